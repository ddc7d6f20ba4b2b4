#include "strata/gateway/response_start.h"

#include <fmt/core.h>

#include <array>

#include "strata/http/detail/char_class.h"
#include "strata/http/request_head.h"

namespace strata::gateway {
namespace {

bool is_token(std::string_view text) {
    return !text.empty() && http::detail::all_of(text, http::detail::kToken);
}

// Field values: visible bytes, obs-text, SP and HTAB; no CR, LF, NUL or other controls.
bool is_field_value(std::string_view text) {
    return http::detail::all_of(text, http::detail::kFieldValue);
}

void trim_whitespace(std::string& value) {
    size_t begin = value.find_first_not_of(" \t");
    if (begin == std::string::npos) return value.clear();
    size_t end = value.find_last_not_of(" \t");
    value = value.substr(begin, end - begin + 1);
}

Result<int, std::string> check_status(std::string_view status) {
    bool digits = status.size() >= 3;
    for (size_t i = 0; digits && i < 3; ++i)
        digits = status[i] >= '0' && status[i] <= '9';
    if (!digits || status[0] == '0' || (status.size() > 3 && status[3] != ' '))
        return Err{
            fmt::format("invalid status {:?}: it must be \"NNN reason\", e.g. \"200 OK\"", status)};
    if (!is_field_value(status))
        return Err{fmt::format("invalid status {:?}: control characters", status)};
    // An interim status would leave the client waiting for a final one that never comes.
    if (status[0] == '1')
        return Err{
            fmt::format("invalid status {:?}: a 1xx status is not a final response", status)};
    return (status[0] - '0') * 100 + (status[1] - '0') * 10 + (status[2] - '0');
}

Result<int64_t, std::string> check_content_length(std::string_view value) {
    if (value.empty() || value.size() > 18)
        return Err{fmt::format("invalid Content-Length {:?}", value)};
    int64_t length = 0;
    for (char c : value) {
        if (c < '0' || c > '9') return Err{fmt::format("invalid Content-Length {:?}", value)};
        length = length * 10 + (c - '0');
    }
    return length;
}

}  // namespace

bool is_hop_by_hop(std::string_view name) {
    // Most headers are none of these: rule them out by length and first letter.
    if (name.size() < 2 || name.size() > 19) return false;
    char first = http::ascii_lower(name[0]);
    if (first != 'c' && first != 'k' && first != 'p' && first != 't' && first != 'u') return false;
    static constexpr std::array<std::string_view, 9> kNames = {
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
        "te",         "trailer",    "trailers",           "transfer-encoding",
        "upgrade"};
    for (std::string_view hop : kNames)
        if (http::iequals(name, hop)) return true;
    return http::iequals(name, "proxy-connection");
}

Result<ResponseStart, std::string> check_response_start(std::string_view status,
                                                        ResponseHeaders headers) {
    auto code = check_status(status);
    if (!code) return Err{code.error()};
    ResponseStart start;
    start.status = *code;
    start.status_text = std::string(status);
    // A bare "200" still needs the SP before the (empty) reason phrase on the status
    // line: status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4).
    if (status.size() == 3) start.status_text += ' ';
    start.headers.reserve(headers.size());
    for (ResponseHeader& h : headers) {
        trim_whitespace(h.value);  // RFC 9110 §5.5: no surrounding whitespace in a value
        if (!is_token(h.name)) return Err{fmt::format("invalid header name {:?}", h.name)};
        if (!is_field_value(h.value))
            return Err{fmt::format("invalid value for header {:?}: control characters", h.name)};
        if (is_hop_by_hop(h.name))
            return Err{fmt::format(
                "hop-by-hop header {:?} is not allowed from an application (PEP 3333): the "
                "server manages the connection",
                h.name)};
        if (http::iequals(h.name, "content-length")) {
            auto length = check_content_length(h.value);
            if (!length) return Err{length.error()};
            if (start.content_length >= 0 && start.content_length != *length)
                return Err{std::string("conflicting Content-Length headers")};
            start.content_length = *length;
            continue;
        }
        if (http::iequals(h.name, "server")) {
            start.server = std::move(h.value);
            continue;
        }
        if (http::iequals(h.name, "date")) continue;  // the connection writes its own, once
        start.headers.push_back(std::move(h));
    }
    return start;
}

}  // namespace strata::gateway
