#include "strata/config/include.h"

#include <gtest/gtest.h>

#include "temp_config.h"

namespace strata::config {
namespace {

using testing::TempConfigDir;

TEST(ResolveIncludePath, RelativeUnderTheConfPrefix) {
    EXPECT_EQ(resolve_include_path("mime.types", "/etc/strata/"), "/etc/strata/mime.types");
    EXPECT_EQ(resolve_include_path("mime.types", "/etc/strata"), "/etc/strata/mime.types");
    EXPECT_EQ(resolve_include_path("/abs/x.conf", "/etc/strata/"), "/abs/x.conf");
    EXPECT_EQ(resolve_include_path("servers/*", ""), "servers/*");
}

TEST(DirectoryOf, KeepsTheTrailingSlash) {
    EXPECT_EQ(directory_of("/etc/nginx/nginx.conf"), "/etc/nginx/");
    EXPECT_EQ(directory_of("conf/nginx.conf"), "conf/");
    EXPECT_EQ(directory_of("nginx.conf"), "");
}

TEST(IsGlobPattern, StarQuestionBracket) {
    EXPECT_TRUE(is_glob_pattern("servers/*"));
    EXPECT_TRUE(is_glob_pattern("a?.conf"));
    EXPECT_TRUE(is_glob_pattern("[ab].conf"));
    EXPECT_FALSE(is_glob_pattern("mime.types"));
}

TEST(ExpandInclude, PatternMatchesSorted) {
    TempConfigDir dir;
    dir.write("servers/b.conf", "");
    dir.write("servers/a.conf", "");
    dir.write("servers/c.txt", "");
    dir.write("servers/.hidden.conf", "");
    auto files = expand_include(dir.path("servers/*.conf"));
    ASSERT_TRUE(files.ok());
    EXPECT_EQ(files.value(),
              (std::vector<std::string>{dir.path("servers/a.conf"), dir.path("servers/b.conf")}));
}

TEST(ExpandInclude, NoMatchIsFineMissingDirectoryToo) {
    TempConfigDir dir;
    dir.make_dir("empty");
    EXPECT_TRUE(expand_include(dir.path("empty/*"))->empty());
    EXPECT_TRUE(expand_include(dir.path("missing/*"))->empty());
}

TEST(ExpandInclude, PlainPathIsItselfExistingOrNot) {
    EXPECT_EQ(expand_include("/nonexistent/x.conf").value(),
              (std::vector<std::string>{"/nonexistent/x.conf"}));
}

TEST(ReadConfigFile, WholeFile) {
    TempConfigDir dir;
    std::string big(100'000, 'x');
    EXPECT_EQ(read_config_file(dir.write("big.conf", big)).value(), big);
    EXPECT_EQ(read_config_file(dir.write("empty.conf", "")).value(), "");
}

TEST(ReadConfigFile, NginxWordingOnFailure) {
    auto missing = read_config_file("/nonexistent/x.conf");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error(),
              "open() \"/nonexistent/x.conf\" failed (2: No such file or directory)");
    TempConfigDir dir;
    dir.make_dir("sub");
    auto directory = read_config_file(dir.path("sub"));
    ASSERT_FALSE(directory.ok());
    EXPECT_EQ(directory.error(), "pread() \"" + dir.path("sub") + "\" failed (21: Is a directory)");
}

}  // namespace
}  // namespace strata::config
