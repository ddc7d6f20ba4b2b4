// Parser options chosen by one control byte, shared by the request parser's targets:
// the limits of nginx, of gunicorn, and small ones that the fuzzer can reach.
#pragma once

#include <cstdint>

#include "strata/http/request_parser.h"

namespace strata::fuzz {

inline http::ParserOptions parser_options(uint8_t bits) {
    http::ParserOptions options;
    options.require_host = bits & 1;
    static constexpr http::UnderscoreHeaders kUnderscores[] = {
        http::UnderscoreHeaders::drop, http::UnderscoreHeaders::refuse,
        http::UnderscoreHeaders::keep, http::UnderscoreHeaders::drop};
    options.underscores = kUnderscores[(bits >> 1) & 3];
    static constexpr http::Limits kLimits[] = {
        http::Limits::nginx(),
        http::Limits::gunicorn(),
        {64, 64, 4, 1000},
        {8, 8, 1, 0},
    };
    options.limits = kLimits[(bits >> 3) & 3];
    return options;
}

}  // namespace strata::fuzz
