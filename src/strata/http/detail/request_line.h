// The request line (RFC 9112 §3) and the small grammars framing fields use.
#pragma once

#include <cstdint>
#include <string_view>

#include "strata/http/detail/char_class.h"
#include "strata/http/parse_error.h"
#include "strata/http/request_head.h"

namespace strata::http::detail {

struct RequestLine {
    std::string_view method, target;
    Version version = Version::http11;
};

// "METHOD SP request-target SP HTTP-version", or HTTP/0.9's "GET SP /path".
ParseError parse_request_line(std::string_view line, RequestLine& out);

// The request-target forms of RFC 9112 §3.2, each allowed only with its methods.
ParseError check_target(std::string_view method, std::string_view target);

// 1*DIGIT into `out`; false on anything else or on overflow.
bool parse_decimal(std::string_view text, uint64_t& out);

// Calls fn(element) for each non-empty element of a comma-separated list, trimmed
// of optional whitespace (RFC 9110 §5.6.1).
template <class Fn>
void for_each_list_element(std::string_view list, Fn&& fn) {
    while (!list.empty()) {
        size_t comma = list.find(',');
        std::string_view element = trim_whitespace(list.substr(0, comma));
        if (!element.empty()) fn(element);
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
}

}  // namespace strata::http::detail
