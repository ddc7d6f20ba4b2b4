// proxy_cookie_domain and proxy_cookie_path as a configuration level reads them.
#include "strata/web/proxy_cookie_config.h"

#include <gtest/gtest.h>

namespace strata::web {
namespace {

using Kind = ProxyCookieRule::Kind;

config::Directive directive(std::string name, std::vector<std::string> args) {
    config::Directive d;
    d.name = std::move(name);
    d.args = std::move(args);
    d.where = {"site.conf", 7};
    return d;
}

std::string error_of(config::Status status) {
    return status ? "" : status.error().to_string();
}

TEST(ProxyCookieConfig, DomainDropsLeadingDots) {
    ProxyCookieRules rules;
    ASSERT_TRUE(
        add_cookie_domain_rule(directive("proxy_cookie_domain", {".a.test", ".b.test"}), rules));
    ASSERT_EQ(rules->size(), 1u);
    EXPECT_EQ((*rules)[0].kind, Kind::domain);
    EXPECT_EQ((*rules)[0].pattern, "a.test");
    EXPECT_EQ((*rules)[0].replacement, "b.test");
}

TEST(ProxyCookieConfig, RegexForms) {
    ProxyCookieRules domains, paths;
    ASSERT_TRUE(add_cookie_domain_rule(directive("proxy_cookie_domain", {"~^A", "x"}), domains));
    EXPECT_TRUE((*domains)[0].regex->match("abc"));  // caseless, as nginx
    ASSERT_TRUE(add_cookie_path_rule(directive("proxy_cookie_path", {"~^/A", "x"}), paths));
    ASSERT_TRUE(add_cookie_path_rule(directive("proxy_cookie_path", {"~*^/A", "x"}), paths));
    ASSERT_TRUE(add_cookie_path_rule(directive("proxy_cookie_path", {"/A", "x"}), paths));
    EXPECT_FALSE((*paths)[0].regex->match("/abc"));
    EXPECT_TRUE((*paths)[1].regex->match("/abc"));
    EXPECT_EQ((*paths)[2].kind, Kind::prefix);
}

TEST(ProxyCookieConfig, OffIsEmptyAndAlone) {
    ProxyCookieRules rules;
    ASSERT_TRUE(add_cookie_path_rule(directive("proxy_cookie_path", {"off"}), rules));
    EXPECT_TRUE(rules && rules->empty());
    EXPECT_EQ(error_of(add_cookie_path_rule(directive("proxy_cookie_path", {"/a", "/b"}), rules)),
              "site.conf:7: \"proxy_cookie_path\" directive is duplicate");
    ProxyCookieRules set;
    ASSERT_TRUE(add_cookie_path_rule(directive("proxy_cookie_path", {"/a", "/b"}), set));
    EXPECT_EQ(error_of(add_cookie_path_rule(directive("proxy_cookie_path", {"off"}), set)),
              "site.conf:7: \"proxy_cookie_path\" directive is duplicate");
}

TEST(ProxyCookieConfig, NginxMessages) {
    ProxyCookieRules rules;
    EXPECT_EQ(error_of(add_cookie_domain_rule(directive("proxy_cookie_domain", {"on"}), rules)),
              "site.conf:7: invalid parameter \"on\"");
    EXPECT_EQ(error_of(add_cookie_path_rule(directive("proxy_cookie_path", {"~(", "x"}), rules)),
              "site.conf:7: pcre2_compile() failed: missing closing parenthesis in \"(\"");
}

}  // namespace
}  // namespace strata::web
