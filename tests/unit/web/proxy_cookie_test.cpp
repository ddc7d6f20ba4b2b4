// The Set-Cookie attribute split, rewrite and rebuild of proxy_cookie_domain/_path.
#include "strata/web/proxy_cookie.h"

#include <gtest/gtest.h>

namespace strata::web {
namespace {

// Domain "old.test" becomes "new.test"; a path "/app..." becomes "/...".
CookieRewrites rewrites() {
    CookieRewrites r;
    r.domain = [](std::string_view v) -> std::optional<std::string> {
        if (v == "old.test") return "new.test";
        return std::nullopt;
    };
    r.path = [](std::string_view v) -> std::optional<std::string> {
        if (v.starts_with("/app")) return "/" + std::string(v.substr(4));
        return std::nullopt;
    };
    return r;
}

struct Case {
    const char* name;
    const char* in;
    const char* out;  // nullptr: left as it is
};

const Case kCases[] = {
    {"domain", "id=1; Domain=old.test", "id=1; Domain=new.test"},
    {"path", "id=1; Path=/app/x", "id=1; Path=//x"},
    {"both", "id=1; domain=old.test; PATH=/app", "id=1; domain=new.test; PATH=/"},
    {"attribute name in any case", "id=1; DoMaIn=old.test", "id=1; DoMaIn=new.test"},
    {"other attributes kept, spaces normalised", "id=1;Secure;  Domain = old.test ;HttpOnly",
     "id=1; Secure; Domain=new.test; HttpOnly"},
    {"no match: as sent", "id=1;Domain=other.test;  Path=/x", nullptr},
    {"no attribute", "id=1", nullptr},
    {"cookie without '=' untouched", "flag; Domain=old.test", nullptr},
    {"the cookie's own name is no attribute", "domain=old.test", nullptr},
    {"attribute without value", "id=1; Domain; Path=/app", "id=1; Domain; Path=/"},
    {"empty parts kept", "id=1;; Path=/app;", "id=1; ; Path=/; "},
    {"every matching attribute", "id=1; Path=/app/a; Path=/app/b", "id=1; Path=//a; Path=//b"},
    {"tabs are not spaces", "id=1;\tPath=/app", nullptr},
    {"value spaces trimmed", "id = a b ; Path=/app ", "id=a b; Path=/"},
};

TEST(RewriteSetCookie, Table) {
    for (const Case& c : kCases) {
        auto got = rewrite_set_cookie(c.in, rewrites());
        if (c.out)
            EXPECT_EQ(got, std::optional<std::string>(c.out)) << c.name;
        else
            EXPECT_EQ(got, std::nullopt) << c.name;
    }
}

TEST(RewriteSetCookie, OnlyTheConfiguredAttribute) {
    CookieRewrites only_path = rewrites();
    only_path.domain = nullptr;
    EXPECT_EQ(rewrite_set_cookie("id=1; Domain=old.test", only_path), std::nullopt);
    EXPECT_EQ(rewrite_set_cookie("id=1; Domain=old.test; Path=/app", only_path),
              "id=1; Domain=old.test; Path=/");
}

}  // namespace
}  // namespace strata::web
