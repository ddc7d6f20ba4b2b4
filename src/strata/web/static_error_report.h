// nginx's error-log message for a request the static content phase answered with 403,
// 404 or 500: `open() "/srv/x" failed (2: No such file or directory)`, `directory index
// of "/srv/d/" is forbidden`, `"/srv/d/index.html" is not found (2: …)`. The content
// phase only hands over the status, so the cause is read back from the worker's file
// cache, which holds what that phase just found for the same path.
#pragma once

#include <optional>
#include <string>

#include "strata/base/log.h"
#include "strata/web/request_context.h"

namespace strata::web {

struct StaticErrorMessage {
    log::Level level;
    std::string text;
};

// The message for `status` answered by the content phase of `ctx`; nullopt when nginx
// writes none (try_files' =code, log_not_found off, a status that is not a file's).
std::optional<StaticErrorMessage> static_error_message(RequestContext& ctx, int status);

// Writes that message, if any, to the request's error log.
void report_static_error(RequestContext& ctx, int status);

}  // namespace strata::web
