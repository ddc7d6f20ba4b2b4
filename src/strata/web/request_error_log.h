// Messages about a request, written where nginx writes them: the error logs of the
// level (location, else server) handling it, else the main error log, each with its own
// level filter; with nginx's context after the message:
//   ", client: 127.0.0.1, server: example.com, request: "GET /x HTTP/1.1",
//    host: "example.com", referrer: "http://…/""
#pragma once

#include <string>
#include <string_view>

#include "strata/base/log.h"
#include "strata/web/request_context.h"

namespace strata::web {

// Whether a message of `level` about the request would be written anywhere: test it
// before formatting one.
bool request_log_takes(const RequestContext& ctx, log::Level level);

// Writes `message` with the request's context appended; `upstream`, when given, is the
// URL of the upstream the request was going to (nginx's `upstream: "…"`).
void log_request(const RequestContext& ctx, log::Level level, std::string_view message,
                 std::string_view upstream = {});

// The context nginx appends: client, server, request line, upstream, host and referrer
// (the last two only when the request sent them).
std::string request_log_context(const RequestContext& ctx, std::string_view upstream = {});

}  // namespace strata::web
