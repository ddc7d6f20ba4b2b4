// The content phase of a location with proxy_pass: the request for the upstream is
// worked out (its group, URI and head, nginx's rules), then a ProxyExchange carries it
// out while the loop serves other requests.
#pragma once

#include "strata/web/request_context.h"

namespace strata::web {

// For a location whose `proxy_pass` is set.
void serve_proxy(RequestContext& ctx);

}  // namespace strata::web
