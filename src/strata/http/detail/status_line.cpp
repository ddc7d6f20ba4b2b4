#include "strata/http/detail/status_line.h"

#include "strata/http/detail/char_class.h"

namespace strata::http::detail {
namespace {

constexpr std::string_view kPrefix = "HTTP/";

// "HTTP/" DIGIT "." DIGIT, exactly.
ParseError parse_version(std::string_view text, Version& out) {
    if (text.size() != kPrefix.size() + 3 || !is_digit(text[5]) || text[6] != '.' ||
        !is_digit(text[7]))
        return ParseError::bad_version;
    if (text[5] != '1' || (text[7] != '0' && text[7] != '1'))
        return ParseError::unsupported_version;
    out = text[7] == '0' ? Version::http10 : Version::http11;
    return ParseError::none;
}

// 3DIGIT in 100..599 (RFC 9110 §15: other values are invalid).
ParseError parse_status(std::string_view text, uint16_t& out) {
    if (text.size() != 3 || !is_digit(text[0]) || !is_digit(text[1]) || !is_digit(text[2]))
        return ParseError::bad_status_code;
    int status = (text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0');
    if (status < 100 || status > 599) return ParseError::bad_status_code;
    out = static_cast<uint16_t>(status);
    return ParseError::none;
}

}  // namespace

bool may_start_status_line(std::string_view input) {
    size_t n = input.size() < kPrefix.size() ? input.size() : kPrefix.size();
    return input.substr(0, n) == kPrefix.substr(0, n);
}

ParseError parse_status_line(std::string_view line, StatusLine& out) {
    if (!line.starts_with(kPrefix)) return ParseError::bad_status_line;
    size_t sp = line.find(' ');
    if (ParseError e = parse_version(line.substr(0, sp), out.version); e != ParseError::none)
        return e;
    if (sp == std::string_view::npos) return ParseError::bad_status_line;
    std::string_view rest = line.substr(sp + 1);
    size_t digits_end = rest.size() > 3 && rest[3] == ' ' ? 3 : rest.size();
    if (ParseError e = parse_status(rest.substr(0, digits_end), out.status); e != ParseError::none)
        return e;
    // reason-phrase = *( HTAB / SP / VCHAR / obs-text ): no NUL, no bare CR.
    out.reason = digits_end < rest.size() ? rest.substr(digits_end + 1) : std::string_view{};
    if (!all_of(out.reason, kFieldValue)) return ParseError::bad_status_line;
    return ParseError::none;
}

}  // namespace strata::http::detail
