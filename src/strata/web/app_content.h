// The content phase of a location with wsgi_app: the request goes to the app's handler,
// which answers later through a DeferredResponse, while the loop serves other requests.
#pragma once

#include "strata/web/request_context.h"

namespace strata::web {

// For a location whose `app` is set.
void serve_app(RequestContext& ctx);

}  // namespace strata::web
