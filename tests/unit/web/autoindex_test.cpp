// The listing formats of `autoindex on`. Every expected line was taken from nginx 1.22.1
// serving the same names (tests/e2e/test_autoindex.py compares whole pages live).
#include "strata/web/autoindex.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace strata::web {
namespace {

constexpr time_t kMtime = 1764000000;  // 24-Nov-2025 16:00:00 UTC

DirectoryEntry file(std::string name, uint64_t size = 0) {
    return {std::move(name), false, true, size, kMtime};
}

DirectoryEntry directory(std::string name) {
    return {std::move(name), true, false, 4096, kMtime};
}

DirectoryEntry other(std::string name, uint64_t size = 0) {
    return {std::move(name), false, false, size, kMtime};
}

// ---- name column ---------------------------------------------------------------------

TEST(AutoindexNameColumn, PadsToFiftyColumnsAndASpace) {
    EXPECT_EQ(autoindex_name_column(file("b.txt")), "b.txt</a>" + std::string(46, ' '));
}

TEST(AutoindexNameColumn, DirectorySlashCountsInTheWidth) {
    EXPECT_EQ(autoindex_name_column(directory("a dir")), "a dir/</a>" + std::string(45, ' '));
}

TEST(AutoindexNameColumn, PadsByRawBytesNotByEscapedText) {
    EXPECT_EQ(autoindex_name_column(file("x&y<z>.txt")),
              "x&amp;y&lt;z&gt;.txt</a>" + std::string(41, ' '));
    EXPECT_EQ(autoindex_name_column(file("quo\"te%")), "quo&quot;te%</a>" + std::string(44, ' '));
}

TEST(AutoindexNameColumn, FiftyBytesFitExactly) {
    std::string name(50, 'f');
    EXPECT_EQ(autoindex_name_column(file(name)), name + "</a> ");
}

TEST(AutoindexNameColumn, FiftyByteDirectoryHasNoRoomForItsSlash) {
    std::string name(50, 'e');
    EXPECT_EQ(autoindex_name_column(directory(name)), name + "</a> ");
    EXPECT_EQ(autoindex_name_column(directory(std::string(49, 'd'))),
              std::string(49, 'd') + "/</a> ");
}

TEST(AutoindexNameColumn, LongerNamesAreCutToFortySevenBytes) {
    EXPECT_EQ(autoindex_name_column(file(std::string(51, 'g'))),
              std::string(47, 'g') + "..&gt;</a> ");
    EXPECT_EQ(autoindex_name_column(directory(std::string(51, 'g'))),
              std::string(47, 'g') + "..&gt;</a> ");
}

TEST(AutoindexNameColumn, CutHappensBeforeEscaping) {
    // "&" is byte 49: outside the 47 bytes kept, so no half entity.
    EXPECT_EQ(autoindex_name_column(file(std::string(48, 'a') + "&bcd")),
              std::string(47, 'a') + "..&gt;</a> ");
}

TEST(AutoindexNameColumn, CutCountsBytesAndMaySplitACharacter) {
    std::string e_acute = "\xC3\xA9";
    std::string name;
    for (int i = 0; i < 55; ++i)
        name += e_acute;
    std::string kept;
    for (int i = 0; i < 23; ++i)
        kept += e_acute;
    EXPECT_EQ(autoindex_name_column(file(name)), kept + "\xC3..&gt;</a> ");
}

// ---- size column ---------------------------------------------------------------------

TEST(AutoindexSizeColumn, ExactBytesRightAlignedInNineteen) {
    EXPECT_EQ(autoindex_size_column(file("f", 5000), true), std::string(15, ' ') + "5000");
    EXPECT_EQ(autoindex_size_column(file("f", 0), true), std::string(18, ' ') + "0");
    EXPECT_EQ(autoindex_size_column(directory("d"), true), std::string(18, ' ') + "-");
}

struct ApproxCase {
    uint64_t size;
    const char* shown;
};

// Probed with sparse files of these sizes.
const ApproxCase kApproxCases[] = {
    {0, "0"},           {9999, "9999"},           {10000, "10K"},     {10751, "10K"},
    {10752, "11K"},     {1048575, "1024K"},       {1048576, "1M"},    {1572863, "1M"},
    {1572864, "2M"},    {1073741823, "1024M"},    {1073741824, "1G"}, {1610612735, "1G"},
    {1610612736, "2G"}, {5000000000000, "4657G"},
};

TEST(AutoindexSizeColumn, ApproximateSizesRoundHalfUpInSevenColumns) {
    for (const ApproxCase& c : kApproxCases) {
        std::string shown = c.shown;
        EXPECT_EQ(autoindex_size_column(file("f", c.size), false),
                  std::string(7 - shown.size(), ' ') + shown)
            << c.size;
    }
    EXPECT_EQ(autoindex_size_column(directory("d"), false), "      -");
}

// ---- links and order -----------------------------------------------------------------

TEST(AutoindexHref, KeepsOnlyUnreservedCharacters) {
    EXPECT_EQ(autoindex_escape_href("aZ09-._~"), "aZ09-._~");
    EXPECT_EQ(autoindex_escape_href("!\"#$%&'("), "%21%22%23%24%25%26%27%28");
    EXPECT_EQ(autoindex_escape_href("c:d e\\f"), "c%3Ad%20e%5Cf");
    EXPECT_EQ(autoindex_escape_href("\n\x7f\xff"), "%0A%7F%FF");
    EXPECT_EQ(autoindex_escape_href("caf\xC3\xA9"), "caf%C3%A9");
}

TEST(AutoindexOrder, DirectoriesFirstThenBytewise) {
    std::vector<DirectoryEntry> entries = {file("b.txt"),    directory("zdir"),  file("B.txt"),
                                           file("_u"),       directory("a dir"), file("1num"),
                                           file("\xC3\xA9"), file("a.bin")};
    sort_entries(entries);
    std::vector<std::string> names;
    for (const DirectoryEntry& e : entries)
        names.push_back(e.name);
    EXPECT_EQ(names, (std::vector<std::string>{"a dir", "zdir", "1num", "B.txt", "_u", "a.bin",
                                               "b.txt", "\xC3\xA9"}));
}

// ---- whole pages ---------------------------------------------------------------------

TEST(AutoindexHtml, EmptyDirectory) {
    EXPECT_EQ(autoindex_html("/empty/", {}, {}),
              "<html>\r\n<head><title>Index of /empty/</title></head>\r\n<body>\r\n"
              "<h1>Index of /empty/</h1><hr><pre><a href=\"../\">../</a>\r\n"
              "</pre><hr></body>\r\n</html>\r\n");
}

TEST(AutoindexHtml, EntryLinesAndEscapedTitle) {
    std::string page = autoindex_html("/x&y <z>/", {directory("sub"), file("a b", 5)}, {});
    EXPECT_NE(page.find("<title>Index of /x&amp;y &lt;z&gt;/</title>"), std::string::npos);
    EXPECT_NE(page.find("<a href=\"sub/\">sub/</a>" + std::string(47, ' ') + "24-Nov-2025 16:00" +
                        std::string(19, ' ') + "-\r\n"),
              std::string::npos);
    EXPECT_NE(page.find("<a href=\"a%20b\">a b</a>" + std::string(48, ' ') + "24-Nov-2025 16:00" +
                        std::string(19, ' ') + "5\r\n"),
              std::string::npos);
}

TEST(AutoindexHtml, ApproximateSizes) {
    std::string page = autoindex_html("/", {file("big", 3000000)}, {false, false});
    EXPECT_NE(page.find("24-Nov-2025 16:00      3M\r\n"), std::string::npos);
}

TEST(AutoindexXml, EntriesByKind) {
    EXPECT_EQ(autoindex_xml({directory("d"), file("a&b", 12), other("fifo")}),
              "<?xml version=\"1.0\"?>\r\n<list>\r\n"
              "<directory mtime=\"2025-11-24T16:00:00Z\">d</directory>\r\n"
              "<file mtime=\"2025-11-24T16:00:00Z\" size=\"12\">a&amp;b</file>\r\n"
              "<other mtime=\"2025-11-24T16:00:00Z\">fifo</other>\r\n"
              "</list>\r\n");
}

TEST(AutoindexJson, EntriesByKind) {
    EXPECT_EQ(
        autoindex_json({directory("d"), file("q\"\\", 5), other("link", 12)}),
        "[\r\n"
        "{ \"name\":\"d\", \"type\":\"directory\", \"mtime\":\"Mon, 24 Nov 2025 16:00:00 GMT\" "
        "},\r\n"
        "{ \"name\":\"q\\\"\\\\\", \"type\":\"file\", \"mtime\":\"Mon, 24 Nov 2025 16:00:00 "
        "GMT\", \"size\":5 },\r\n"
        "{ \"name\":\"link\", \"type\":\"other\", \"mtime\":\"Mon, 24 Nov 2025 16:00:00 "
        "GMT\" }\r\n"
        "]");
}

TEST(AutoindexJson, EmptyAndControlCharacters) {
    EXPECT_EQ(autoindex_json({}), "[\r\n]");
    std::string json = autoindex_json({file("c\rr\x1b\x1fz\b\f\n\t\x7f")});
    EXPECT_NE(json.find("\"name\":\"c\\rr\\u001B\\u001Fz\\b\\f\\n\\t\x7f\""), std::string::npos);
}

TEST(AutoindexJsonp, CallbackNames) {
    EXPECT_TRUE(valid_jsonp_callback(""));
    EXPECT_TRUE(valid_jsonp_callback("show_list.v1"));
    EXPECT_TRUE(valid_jsonp_callback(std::string(128, 'a')));
    EXPECT_FALSE(valid_jsonp_callback(std::string(129, 'a')));
    EXPECT_FALSE(valid_jsonp_callback("a-b"));
    EXPECT_FALSE(valid_jsonp_callback("a$"));
    EXPECT_FALSE(valid_jsonp_callback("a%41"));
    EXPECT_FALSE(valid_jsonp_callback("alert(1)"));
}

}  // namespace
}  // namespace strata::web
