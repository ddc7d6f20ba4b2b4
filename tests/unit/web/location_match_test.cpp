// nginx's location selection, with the example from its documentation (the
// "location" directive) and the nesting rules of ngx_http_core_find_location.
#include "strata/web/location_match.h"

#include <gtest/gtest.h>

namespace strata::web {
namespace {

struct Loc {
    std::string label;
    LocationPattern pattern;
    std::vector<Loc> children;
};

Loc loc(std::string label, LocationKind kind, std::string uri, std::vector<Loc> children = {}) {
    Loc l{std::move(label), {kind, uri, std::nullopt}, std::move(children)};
    if (kind == LocationKind::regex) {
        bool caseless = uri.rfind("(?i)", 0) == 0;
        l.pattern.regex = Regex::compile(caseless ? uri.substr(4) : uri, caseless).value();
    }
    return l;
}

std::string pick(const std::vector<Loc>& level, std::string_view uri) {
    auto found = find_location(level, uri);
    return found.node ? found.node->label : "none";
}

// nginx documentation: A = "= /", B = "/", C = "/documents/", D = "^~ /images/",
// E = "~* \.(gif|jpg|jpeg)$".
const std::vector<Loc> kDocs = {
    loc("A", LocationKind::exact, "/"),
    loc("B", LocationKind::prefix, "/"),
    loc("C", LocationKind::prefix, "/documents/"),
    loc("D", LocationKind::no_regex, "/images/"),
    loc("E", LocationKind::regex, "(?i)\\.(gif|jpg|jpeg)$"),
};

struct Case {
    const char* uri;
    const char* expected;
};

class DocsExample : public testing::TestWithParam<Case> {};

TEST_P(DocsExample, MatchesTheDocumentedChoice) {
    EXPECT_EQ(pick(kDocs, GetParam().uri), GetParam().expected) << GetParam().uri;
}

INSTANTIATE_TEST_SUITE_P(Cases, DocsExample,
                         testing::Values(Case{"/", "A"}, Case{"/index.html", "B"},
                                         Case{"/documents/document.html", "C"},
                                         Case{"/images/1.gif", "D"}, Case{"/documents/1.jpg", "E"},
                                         Case{"/documents/1.JPG", "E"}));

TEST(LocationMatch, LongestPrefixWinsWhateverTheOrder) {
    std::vector<Loc> level = {loc("short", LocationKind::prefix, "/a"),
                              loc("long", LocationKind::prefix, "/a/b/"),
                              loc("mid", LocationKind::prefix, "/a/b")};
    EXPECT_EQ(pick(level, "/a/b/c"), "long");
    EXPECT_EQ(pick(level, "/a/bc"), "mid");
    EXPECT_EQ(pick(level, "/ab"), "short");
    EXPECT_EQ(pick(level, "/x"), "none");
}

TEST(LocationMatch, FirstMatchingRegexInConfigurationOrder) {
    std::vector<Loc> level = {loc("root", LocationKind::prefix, "/"),
                              loc("php", LocationKind::regex, "\\.php$"),
                              loc("any", LocationKind::regex, "\\.")};
    EXPECT_EQ(pick(level, "/x.php"), "php");
    EXPECT_EQ(pick(level, "/x.html"), "any");
    EXPECT_EQ(pick(level, "/x"), "root");
}

TEST(LocationMatch, CaseSensitiveRegexAndPrefix) {
    std::vector<Loc> level = {loc("re", LocationKind::regex, "^/Upper$"),
                              loc("pre", LocationKind::prefix, "/Docs")};
    EXPECT_EQ(pick(level, "/Upper"), "re");
    EXPECT_EQ(pick(level, "/upper"), "none");
    EXPECT_EQ(pick(level, "/docs"), "none");
}

TEST(LocationMatch, NestedRegexBeatsOuterRegex) {
    std::vector<Loc> level = {
        loc("static", LocationKind::prefix, "/static/",
            {loc("static-css", LocationKind::regex, "\\.css$")}),
        loc("outer-css", LocationKind::regex, "\\.css$"),
    };
    EXPECT_EQ(pick(level, "/static/a.css"), "static-css");
    EXPECT_EQ(pick(level, "/other/a.css"), "outer-css");
    EXPECT_EQ(pick(level, "/static/a.js"), "static");
}

TEST(LocationMatch, OuterRegexBeatsNestedPrefix) {
    std::vector<Loc> level = {
        loc("a", LocationKind::prefix, "/a/", {loc("a-b", LocationKind::prefix, "/a/b/")}),
        loc("re", LocationKind::regex, "\\.txt$"),
    };
    EXPECT_EQ(pick(level, "/a/b/x"), "a-b");
    EXPECT_EQ(pick(level, "/a/b/x.txt"), "re");
}

TEST(LocationMatch, NoRegexPrefixStopsRegexesEvenWhenNested) {
    std::vector<Loc> level = {
        loc("img", LocationKind::no_regex, "/img/",
            {loc("img-big", LocationKind::prefix, "/img/big/")}),
        loc("re", LocationKind::regex, "\\.png$"),
    };
    EXPECT_EQ(pick(level, "/img/big/x.png"), "img-big");
    EXPECT_EQ(pick(level, "/img/x.png"), "img");
    EXPECT_EQ(pick(level, "/x.png"), "re");
}

TEST(LocationMatch, ExactInsideNestedLevel) {
    std::vector<Loc> level = {loc("api", LocationKind::prefix, "/api/",
                                  {loc("health", LocationKind::exact, "/api/health")}),
                              loc("re", LocationKind::regex, "health")};
    EXPECT_EQ(pick(level, "/api/health"), "health");
    EXPECT_EQ(pick(level, "/api/healthz"), "re");
}

TEST(LocationMatch, RegexCapturesAreReturned) {
    std::vector<Loc> level = {loc("re", LocationKind::regex, "^/user/(\\d+)/(\\w+)$")};
    auto found = find_location(level, "/user/42/edit");
    ASSERT_NE(found.node, nullptr);
    ASSERT_EQ(found.captures.size(), 3u);
    EXPECT_EQ(found.captures[1], "42");
    EXPECT_EQ(found.captures[2], "edit");
}

TEST(LocationMatch, NamedLocationsAreOnlyFoundByName) {
    std::vector<Loc> level = {loc("app", LocationKind::named, "@app"),
                              loc("root", LocationKind::prefix, "/")};
    EXPECT_EQ(pick(level, "/@app"), "root");
    ASSERT_NE(find_named_location(level, "@app"), nullptr);
    EXPECT_EQ(find_named_location(level, "@app")->label, "app");
    EXPECT_EQ(find_named_location(level, "@none"), nullptr);
}

TEST(Regex, CompileErrorsReadLikeNginx) {
    auto r = Regex::compile("(foo", false);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find("pcre2_compile() failed: missing closing parenthesis in \"(foo\""),
              std::string::npos)
        << r.error();
}

}  // namespace
}  // namespace strata::web
