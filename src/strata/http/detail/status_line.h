// The status line of a response (RFC 9112 §4), as an upstream sends it.
#pragma once

#include <cstdint>
#include <string_view>

#include "strata/http/parse_error.h"
#include "strata/http/request_head.h"

namespace strata::http::detail {

struct StatusLine {
    Version version = Version::http11;
    uint16_t status = 0;
    std::string_view reason;
};

// "HTTP/1.x SP 3DIGIT [SP reason]": nginx also takes a status with no SP and no reason
// after it, so we do too. HTTP/1.0 and HTTP/1.1 only.
ParseError parse_status_line(std::string_view line, StatusLine& out);

// False as soon as the first bytes of a response cannot start "HTTP/": an HTTP/0.9-style
// answer (a body with no status line) is refused without waiting for a line end.
bool may_start_status_line(std::string_view input);

}  // namespace strata::http::detail
