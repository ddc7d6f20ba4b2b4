// A request whose response goes on after the front handler has returned (a gzip stream,
// an app's response): its context and its logging exchange are moved to the heap, where
// they live as long as the response does. The handler's own are on its stack.
#pragma once

#include <memory>

#include "strata/web/access_log.h"
#include "strata/web/request_context.h"

namespace strata::web {

struct DetachedRequest {
    std::unique_ptr<LoggingExchange> logged;  // null when the exchange logs nothing
    std::unique_ptr<RequestContext> ctx;      // bound to `logged` (or the same exchange)
    net::Exchange* exchange = nullptr;        // where the response goes

    // A copy of `ctx`, bound to a logging exchange of its own over the same connection
    // (same start time, same log), when `ctx`'s exchange is one.
    static DetachedRequest from(const RequestContext& ctx);
};

}  // namespace strata::web
