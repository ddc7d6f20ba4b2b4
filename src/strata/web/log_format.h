// `log_format NAME [escape=default|json|none] STRING…`: compiled once at load into
// literal text and variables, evaluated per request into one access-log line. The
// variables only the log knows ($status, $body_bytes_sent, $request_time, $time_local…)
// are resolved here from the response; the others come from the request (variables.h).
#pragma once

#include <cstdint>
#include <ctime>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "strata/base/result.h"
#include "strata/config/directive.h"
#include "strata/config/status.h"
#include "strata/net/http_exchange.h"

namespace strata::web {

struct RequestContext;

// How variable values are written: nginx's `escape=` parameter.
enum class LogEscape : uint8_t {
    standard,  // '"', '\\' and bytes < 0x20 or >= 0x7f as \xHH; empty values as "-"
    json,      // JSON string escapes; empty values stay empty
    none,      // as they are; empty values as "-"
};

// The variables whose value depends on the response or the clock.
enum class LogVariable : uint8_t {
    request,  // any other variable: evaluated by variables.h from the request
    status,
    body_bytes_sent,
    bytes_sent,
    request_time,
    request_length,
    time_local,
    time_iso8601,
    msec,
    remote_user,
    request_line,     // $request: as received when the connection rejected the request
    server_protocol,  // "-" when no version was read, "" when one was refused
};

struct LogPart {
    LogVariable variable = LogVariable::request;
    bool literal = true;
    std::string text;  // the literal text, or the variable's name
};

struct LogFormat {
    LogEscape escape = LogEscape::standard;
    std::vector<LogPart> parts;
};

// What the response was, for the response-dependent variables.
struct LoggedResponse {
    int status = 0;
    uint64_t body_bytes = 0;    // 0 for HEAD, 204, 304
    uint64_t header_bytes = 0;  // approximate: the head as the connection writes it
    int64_t start_ms = 0;       // wall clock when handling began (ms since the epoch)
    int64_t now_ms = 0;         // wall clock at logging
    // Set for a request the connection rejected: $request and $request_length come from
    // what was received, not from a parsed head.
    const net::Rejection* rejection = nullptr;
};

// nginx's predefined format, `combined`.
inline constexpr std::string_view kCombinedLogFormat =
    "$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent "
    "\"$http_referer\" \"$http_user_agent\"";

// The format of a `log_format` directive (its arguments after the name, joined).
Result<LogFormat, config::ConfigError> compile_log_format(const config::Directive& directive);
// `text` compiled with `escape`; errors carry `where`.
Result<LogFormat, config::ConfigError> compile_log_format(std::string_view text, LogEscape escape,
                                                          const config::SourceLocation& where = {});

// Every `access_log PATH FORMAT` under the http block `http` names a defined format
// (nginx: `unknown log format "x"`).
config::Status check_access_log_formats(const config::Directive& http,
                                        const std::map<std::string, LogFormat>& formats);

// One log line for the request, without the final newline.
std::string format_log_line(const LogFormat& format, const RequestContext& ctx,
                            const LoggedResponse& response);

// The pieces, exposed for tests.
void append_escaped(std::string& out, std::string_view value, LogEscape escape);
std::string time_local_text(std::time_t t);    // 24/Nov/2026:01:30:00 +0000 (local time)
std::string time_iso8601_text(std::time_t t);  // 2026-11-24T01:30:00+00:00 (local time)
std::string msec_text(int64_t ms);             // 1795051800.123
std::string request_time_text(int64_t ms);     // 0.001
// The user of "Authorization: Basic …", as nginx's $remote_user (empty when none).
std::string basic_auth_user(std::string_view authorization);

}  // namespace strata::web
