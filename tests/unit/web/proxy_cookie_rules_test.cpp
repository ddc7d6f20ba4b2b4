// The rules of proxy_cookie_domain and proxy_cookie_path on one attribute value.
#include "strata/web/proxy_cookie_rules.h"

#include <gtest/gtest.h>

#include <map>

namespace strata::web {
namespace {

using Kind = ProxyCookieRule::Kind;

ProxyCookieRule text(Kind kind, std::string pattern, std::string replacement) {
    ProxyCookieRule rule;
    rule.kind = kind;
    rule.pattern = std::move(pattern);
    rule.replacement = std::move(replacement);
    return rule;
}

ProxyCookieRule regex(std::string pattern, bool caseless, std::string replacement) {
    ProxyCookieRule rule;
    rule.kind = Kind::regex;
    rule.regex = Regex::compile(pattern, caseless).value();
    rule.replacement = std::move(replacement);
    return rule;
}

// Expands "$host" and $1…$9 from the last captures, like a request would.
struct FakeRequest {
    std::vector<std::string> captures;
    CookieRuleContext context() {
        CookieRuleContext c;
        c.expand = [this](std::string_view text) {
            std::string out;
            for (size_t i = 0; i < text.size(); ++i) {
                if (text.substr(i).starts_with("$host")) {
                    out += "front.test";
                    i += 4;
                } else if (text[i] == '$' && i + 1 < text.size() && isdigit(text[i + 1])) {
                    size_t n = static_cast<size_t>(text[++i] - '0');
                    if (n < captures.size()) out += captures[n];
                } else {
                    out += text[i];
                }
            }
            return out;
        };
        c.captured = [this](const Regex&, const std::vector<std::string_view>& got) {
            captures.assign(got.begin(), got.end());
        };
        return c;
    }
};

std::optional<std::string> rewritten(std::string_view value,
                                     const std::vector<ProxyCookieRule>& rules) {
    FakeRequest request;
    return apply_cookie_rules(value, rules, request.context());
}

TEST(CookieDomainRule, WholeDomainAnyCaseDotKept) {
    std::vector<ProxyCookieRule> rules = {text(Kind::domain, "backend.test", "$host")};
    EXPECT_EQ(rewritten("backend.test", rules), "front.test");
    EXPECT_EQ(rewritten("BACKEND.Test", rules), "front.test");
    EXPECT_EQ(rewritten(".backend.test", rules), ".front.test");
    EXPECT_EQ(rewritten("www.backend.test", rules), std::nullopt);
    EXPECT_EQ(rewritten("backend.test.org", rules), std::nullopt);
    EXPECT_EQ(rewritten("", rules), std::nullopt);
}

TEST(CookiePathRule, CaseSensitivePrefixReplaced) {
    std::vector<ProxyCookieRule> rules = {text(Kind::prefix, "/app/", "/")};
    EXPECT_EQ(rewritten("/app/x/y", rules), "/x/y");
    EXPECT_EQ(rewritten("/app/", rules), "/");
    EXPECT_EQ(rewritten("/App/x", rules), std::nullopt);
    EXPECT_EQ(rewritten("/app", rules), std::nullopt);
}

TEST(CookieRegexRule, MatchAnywhereReplacesTheWholeValueWithCaptures) {
    std::vector<ProxyCookieRule> rules = {regex("^/app/(\\w+)", false, "/new/$1")};
    EXPECT_EQ(rewritten("/app/one/two", rules), "/new/one");
    EXPECT_EQ(rewritten("/APP/one", rules), std::nullopt);
    std::vector<ProxyCookieRule> caseless = {regex("internal$", true, "example.com")};
    EXPECT_EQ(rewritten("api.INTERNAL", caseless), "example.com");
}

TEST(CookieRules, FirstMatchWins) {
    std::vector<ProxyCookieRule> rules = {text(Kind::prefix, "/a/", "/first/"),
                                          text(Kind::prefix, "/a/b/", "/second/"),
                                          regex(".*", false, "/any")};
    EXPECT_EQ(rewritten("/a/b/c", rules), "/first/b/c");
    EXPECT_EQ(rewritten("/z", rules), "/any");
}

TEST(CookieRules, PatternWithVariables) {
    std::vector<ProxyCookieRule> rules = {text(Kind::prefix, "/$host/", "/")};
    EXPECT_EQ(rewritten("/front.test/x", rules), "/x");
}

}  // namespace
}  // namespace strata::web
