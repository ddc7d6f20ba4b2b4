// proxy_cookie_domain and proxy_cookie_path at work on one Set-Cookie value, as nginx
// 1.22's ngx_http_proxy_rewrite_cookie does it: the value is split at every ';' into
// NAME[=VALUE] attributes (spaces around names and values dropped). The first is the
// cookie itself: one without '=' is left alone, and its name is never an attribute.
// The Domain and Path attributes (any case) that have a value go through their rules;
// when any was rewritten the value is rebuilt from the attributes joined by "; "
// (nginx's form), otherwise it stays as the upstream sent it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace strata::web {

// One attribute's new value, or nullopt when no rule matches it.
using CookieValueRewrite = std::function<std::optional<std::string>(std::string_view)>;

struct CookieRewrites {
    CookieValueRewrite domain;  // empty: no proxy_cookie_domain
    CookieValueRewrite path;    // empty: no proxy_cookie_path
};

// The rewritten value, or nullopt when nothing was rewritten.
std::optional<std::string> rewrite_set_cookie(std::string_view value,
                                              const CookieRewrites& rewrites);

}  // namespace strata::web
