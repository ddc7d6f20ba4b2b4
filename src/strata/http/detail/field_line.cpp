#include "strata/http/detail/field_line.h"

#include <cstring>

#include "strata/http/detail/char_class.h"

namespace strata::http::detail {

ParseError parse_field_line(std::string_view line, uint32_t offset, FieldSpan& out) {
    // obs-fold and whitespace between the start line and the first field both start
    // the line with SP/HTAB; both are rejected (RFC 9112 §5.2, §2.2).
    if (!line.empty() && is(line.front(), kWhitespace)) return ParseError::obsolete_folding;
    size_t colon = 0;
    while (colon < line.size() && is(line[colon], kToken))
        ++colon;
    if (colon == 0 || colon == line.size() || line[colon] != ':')
        return ParseError::bad_header_name;
    std::string_view raw_value = line.substr(colon + 1);
    if (!all_of(raw_value, kFieldValue)) return ParseError::bad_header_value;
    std::string_view value = trim_whitespace(raw_value);
    out.name_offset = offset;
    out.name_length = static_cast<uint32_t>(colon);
    out.value_offset = offset + static_cast<uint32_t>(value.data() - line.data());
    out.value_length = static_cast<uint32_t>(value.size());
    return ParseError::none;
}

LineEnd find_line_end(std::string_view input, size_t from) {
    if (from >= input.size()) return {std::string_view::npos};
    const void* hit = std::memchr(input.data() + from, '\n', input.size() - from);
    if (!hit) return {std::string_view::npos};
    size_t lf = static_cast<size_t>(static_cast<const char*>(hit) - input.data());
    return {lf, lf > 0 && input[lf - 1] == '\r'};
}

}  // namespace strata::http::detail
