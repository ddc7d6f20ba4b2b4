#include "strata/web/regex.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace strata::web {
namespace {

using Named = std::vector<std::pair<std::string, int>>;

TEST(Regex, NamedGroupsInEverySyntax) {
    auto regex = Regex::compile("^/(?<first>a+)/(b)/(?P<second>c+)/(?'third'd)$", false);
    ASSERT_TRUE(regex);
    Named names = regex->named_groups();
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (Named{{"first", 1}, {"second", 3}, {"third", 4}}));
    std::vector<std::string_view> captures;
    ASSERT_TRUE(regex->match("/aa/b/ccc/d", &captures));
    EXPECT_EQ(captures.at(1), "aa");
    EXPECT_EQ(captures.at(3), "ccc");
}

TEST(Regex, NoNamedGroups) {
    auto regex = Regex::compile("^/(x)$", true);
    ASSERT_TRUE(regex);
    EXPECT_TRUE(regex->named_groups().empty());
    EXPECT_EQ(regex->capture_count(), 1);
}

TEST(Regex, UnsetGroupIsEmpty) {
    auto regex = Regex::compile("^(?<opt>x)?(y)$", false);
    ASSERT_TRUE(regex);
    std::vector<std::string_view> captures;
    ASSERT_TRUE(regex->match("y", &captures));
    EXPECT_EQ(captures.at(1), "");
    EXPECT_EQ(captures.at(2), "y");
}

}  // namespace
}  // namespace strata::web
