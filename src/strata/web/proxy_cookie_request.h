// The location's proxy_cookie_domain and proxy_cookie_path rules bound to one request:
// their variables are the request's, and a regex that matches leaves its captures as
// the request's $1… (and named ones as variables), as nginx's regex does.
#pragma once

#include <optional>

#include "strata/web/proxy_cookie.h"
#include "strata/web/request_context.h"

namespace strata::web {

// nullopt when the location rewrites no cookies (both directives off, the default).
// The rewrites refer to `ctx`, which must outlive them.
std::optional<CookieRewrites> cookie_rewrites_for(RequestContext& ctx);

}  // namespace strata::web
