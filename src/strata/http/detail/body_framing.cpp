#include "strata/http/detail/body_framing.h"

#include "strata/http/detail/request_line.h"
#include "strata/http/request_head.h"

namespace strata::http::detail {

ParseError add_content_length(std::string_view value, BodyFraming& framing) {
    uint64_t length = 0;
    if (!parse_decimal(value, length)) return ParseError::bad_content_length;
    if (framing.has_length && length != framing.length) return ParseError::bad_content_length;
    framing.has_length = true;
    framing.length = length;
    return ParseError::none;
}

ParseError add_transfer_encoding(std::string_view value, BodyFraming& framing) {
    framing.has_transfer_encoding = true;
    ParseError error = ParseError::none;
    for_each_list_element(value, [&](std::string_view coding) {
        if (error != ParseError::none) return;
        if (framing.chunked)
            error = ParseError::bad_transfer_encoding;
        else if (iequals(coding, "chunked"))
            framing.chunked = true;
        else if (!iequals(coding, "identity"))
            error = ParseError::unsupported_transfer_encoding;
    });
    return error;
}

}  // namespace strata::http::detail
