// One "name: value" line of a header or trailer section (RFC 9112 §5), shared by the
// request parser and the chunked decoder's trailer section.
#pragma once

#include <cstdint>
#include <string_view>

#include "strata/http/parse_error.h"
#include "strata/http/request_head.h"

namespace strata::http::detail {

// Offsets of a field inside its section; views are made once the section is complete,
// because the bytes may move while it arrives.
struct FieldSpan {
    uint32_t name_offset, name_length;
    uint32_t value_offset, value_length;

    Header view(const char* base) const {
        return {{base + name_offset, name_length}, {base + value_offset, value_length}};
    }
};

// Parses `line` (no CRLF) found at `offset` within its section.
ParseError parse_field_line(std::string_view line, uint32_t offset, FieldSpan& out);

// Where a line ends: the index of its LF and whether a CR stood before it.
struct LineEnd {
    size_t lf;          // npos when no LF yet
    bool crlf = false;  // LF preceded by CR
};
LineEnd find_line_end(std::string_view input, size_t from);

}  // namespace strata::http::detail
