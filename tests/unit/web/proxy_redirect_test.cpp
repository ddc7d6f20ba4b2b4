// proxy_redirect's rewriting of Location and Refresh.
#include "strata/web/proxy_redirect.h"

#include <gtest/gtest.h>

#include <vector>

namespace strata::web {
namespace {

TEST(DefaultRedirect, IsTheUrlAndTheLocation) {
    auto with_uri = default_redirect_rule("http://backend/app/", true, "/front/");
    EXPECT_EQ(with_uri.first, "http://backend/app/");
    EXPECT_EQ(with_uri.second, "/front/");
    auto without = default_redirect_rule("http://127.0.0.1:8080", false, "/x/");
    EXPECT_EQ(without.first, "http://127.0.0.1:8080/");
    EXPECT_EQ(without.second, "/");
}

TEST(RewriteLocation, FirstMatchingPrefixWins) {
    std::vector<RedirectRule> rules = {{"http://backend/app/", "/front/"},
                                       {"http://backend/", "/"}};
    EXPECT_EQ(rewrite_location("http://backend/app/x?y", rules), "/front/x?y");
    EXPECT_EQ(rewrite_location("http://backend/other", rules), "/other");
    EXPECT_EQ(rewrite_location("http://elsewhere/app/", rules), std::nullopt);
    EXPECT_EQ(rewrite_location("/relative", rules), std::nullopt);
}

TEST(RewriteLocation, IsCaseSensitiveAsNginx) {
    std::vector<RedirectRule> rules = {{"http://backend/", "/"}};
    EXPECT_EQ(rewrite_location("HTTP://backend/x", rules), std::nullopt);
}

TEST(RewriteLocation, ReplacementMayBeAbsolute) {
    std::vector<RedirectRule> rules = {{"http://b:8080/", "https://www.example.com/"}};
    EXPECT_EQ(rewrite_location("http://b:8080/login", rules), "https://www.example.com/login");
}

TEST(RewriteRefresh, RewritesTheUrlAfterUrlEquals) {
    std::vector<RedirectRule> rules = {{"http://backend/", "/"}};
    EXPECT_EQ(rewrite_refresh("5; URL=http://backend/next", rules), "5; URL=/next");
    EXPECT_EQ(rewrite_refresh("5; url=http://other/next", rules), std::nullopt);
    EXPECT_EQ(rewrite_refresh("5", rules), std::nullopt);
}

}  // namespace
}  // namespace strata::web
