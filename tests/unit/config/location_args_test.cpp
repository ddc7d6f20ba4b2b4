#include "strata/config/location_args.h"

#include <gtest/gtest.h>

namespace strata::config {
namespace {

Directive location(std::vector<std::string> args, int line = 1) {
    Directive d;
    d.name = "location";
    d.args = std::move(args);
    d.quoted.assign(d.args.size(), false);
    d.where = SourceLocation{"t.conf", line};
    d.has_block = true;
    return d;
}

struct Case {
    std::vector<std::string> args;
    LocationKind kind;
    const char* name;
};

const Case kCases[] = {
    {{"/"}, LocationKind::prefix, "/"},
    {{"=", "/a"}, LocationKind::exact, "/a"},
    {{"=/a"}, LocationKind::exact, "/a"},
    {{"^~", "/i/"}, LocationKind::prefix_no_regex, "/i/"},
    {{"^~/i/"}, LocationKind::prefix_no_regex, "/i/"},
    {{"~", "\\.php$"}, LocationKind::regex, "\\.php$"},
    {{"~\\.php$"}, LocationKind::regex, "\\.php$"},
    {{"~*", "\\.png$"}, LocationKind::regex_caseless, "\\.png$"},
    {{"~*\\.png$"}, LocationKind::regex_caseless, "\\.png$"},
    {{"@fallback"}, LocationKind::named, "@fallback"},
    {{"="}, LocationKind::exact, ""},
};

class LocationCases : public ::testing::TestWithParam<Case> {};

TEST_P(LocationCases, Reads) {
    auto match = parse_location_args(location(GetParam().args));
    ASSERT_TRUE(match.ok());
    EXPECT_EQ(match->kind, GetParam().kind);
    EXPECT_EQ(match->name, GetParam().name);
}

INSTANTIATE_TEST_SUITE_P(Table, LocationCases, ::testing::ValuesIn(kCases));

TEST(ParseLocationArgs, InvalidModifier) {
    auto match = parse_location_args(location({"~~", "/a"}, 4));
    ASSERT_FALSE(match.ok());
    EXPECT_EQ(match.error().to_string(), "t.conf:4: invalid location modifier \"~~\"");
}

// Checks `child` as the next location inside `parent` (or at server level when null),
// after `before` in the same block.
std::string placement(const Directive* parent, std::vector<Directive> before, Directive child) {
    BlockFrame frame;
    frame.context = parent ? Context::location : Context::server;
    frame.owner = parent;
    frame.directives = &before;
    auto checked = check_location_placement(child, frame);
    return checked ? "ok" : checked.error().message;
}

TEST(CheckLocationPlacement, NestingRules) {
    const Directive exact = location({"=", "/a"});
    const Directive named = location({"@a"});
    const Directive prefix = location({"/a"});
    const Directive regex = location({"~", "/a"});
    EXPECT_EQ(placement(&exact, {}, location({"/b"})),
              "location \"/b\" cannot be inside the exact location \"/a\"");
    EXPECT_EQ(placement(&named, {}, location({"/b"})),
              "location \"/b\" cannot be inside the named location \"@a\"");
    EXPECT_EQ(placement(&prefix, {}, location({"@b"})),
              "named location \"@b\" can be on the server level only");
    EXPECT_EQ(placement(&prefix, {}, location({"/b"})),
              "location \"/b\" is outside location \"/a\"");
    EXPECT_EQ(placement(&regex, {}, location({"/b"})),
              "location \"/b\" is outside location \"/a\"");
    EXPECT_EQ(placement(&prefix, {}, location({"/a/b"})), "ok");
    EXPECT_EQ(placement(&prefix, {}, location({"/a"})), "ok");
    EXPECT_EQ(placement(&prefix, {}, location({"~", "x"})), "ok");
    EXPECT_EQ(placement(nullptr, {}, location({"@b"})), "ok");
}

TEST(CheckLocationPlacement, Duplicates) {
    EXPECT_EQ(placement(nullptr, {location({"/a"})}, location({"/a"})),
              "duplicate location \"/a\"");
    EXPECT_EQ(placement(nullptr, {location({"^~", "/a"})}, location({"/a"})),
              "duplicate location \"/a\"");
    EXPECT_EQ(placement(nullptr, {location({"=", "/a"})}, location({"=/a"})),
              "duplicate location \"/a\"");
    EXPECT_EQ(placement(nullptr, {location({"=", "/a"})}, location({"/a"})), "ok");
    EXPECT_EQ(placement(nullptr, {location({"~", "/a"})}, location({"~", "/a"})), "ok");
    EXPECT_EQ(placement(nullptr, {location({"@a"})}, location({"@a"})), "ok");
}

}  // namespace
}  // namespace strata::config
