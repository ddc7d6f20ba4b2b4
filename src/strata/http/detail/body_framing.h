// The framing fields both parsers read the same way (RFC 9112 §6): Content-Length and
// Transfer-Encoding, each possibly on several lines.
#pragma once

#include <cstdint>
#include <string_view>

#include "strata/http/parse_error.h"

namespace strata::http::detail {

struct BodyFraming {
    bool has_length = false;
    uint64_t length = 0;
    bool has_transfer_encoding = false;
    bool chunked = false;  // chunked came, last so far
};

// Content-Length is 1*DIGIT; a repeat must carry the same value (RFC 9112 §6.3).
ParseError add_content_length(std::string_view value, BodyFraming& framing);

// The codings of all Transfer-Encoding lines form one list. Only chunked, once and last,
// frames a body we can trust; "identity" (RFC 2616) is a no-op; any other coding is
// unsupported (a request's gets 501 as from nginx; a response's cannot be relayed).
ParseError add_transfer_encoding(std::string_view value, BodyFraming& framing);

}  // namespace strata::http::detail
