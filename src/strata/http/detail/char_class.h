// Byte classes of RFC 9110/9112 as lookup tables: one load per byte on the hot path.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace strata::http::detail {

enum CharClass : uint8_t {
    kToken = 1 << 0,       // tchar: field names, methods, chunk-ext names
    kFieldValue = 1 << 1,  // VCHAR, obs-text, SP, HTAB
    kTarget = 1 << 2,      // bytes allowed in a request-target (printable, obs-text)
    kMethod = 1 << 3,      // nginx's method bytes: A-Z, 0-9, '_', '-'
    kHex = 1 << 4,         // chunk-size digits
    kWhitespace = 1 << 5,  // SP, HTAB
    kRegName = 1 << 6,     // reg-name and IPv4: unreserved, sub-delims, '%' of an escape
};

constexpr bool in(const char* set, int c) {
    for (; *set; ++set)
        if (*set == c) return true;
    return false;
}

constexpr std::array<uint8_t, 256> make_char_table() {
    std::array<uint8_t, 256> t{};
    for (int c = 0; c < 256; ++c) {
        bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        bool digit = c >= '0' && c <= '9';
        uint8_t v = 0;
        if (alpha || digit || in("!#$%&'*+-.^_`|~", c)) v |= kToken;
        if ((c >= 0x21 && c <= 0x7e) || c >= 0x80 || c == ' ' || c == '\t') v |= kFieldValue;
        if ((c >= 0x21 && c <= 0x7e) || c >= 0x80) v |= kTarget;
        if ((c >= 'A' && c <= 'Z') || digit || c == '_' || c == '-') v |= kMethod;
        if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) v |= kHex;
        if (c == ' ' || c == '\t') v |= kWhitespace;
        if (alpha || digit || in("-._~%!$&'()*+,;=", c)) v |= kRegName;
        t[static_cast<size_t>(c)] = v;
    }
    return t;
}

inline constexpr std::array<uint8_t, 256> kCharTable = make_char_table();

inline bool is(char c, CharClass cls) {
    return kCharTable[static_cast<uint8_t>(c)] & cls;
}

// True when every byte of `s` is in `cls`.
inline bool all_of(std::string_view s, CharClass cls) {
    for (char c : s)
        if (!is(c, cls)) return false;
    return true;
}

inline bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
inline bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
inline bool is_hex(char c) {
    return is(c, kHex);
}

inline std::string_view trim_whitespace(std::string_view s) {
    while (!s.empty() && is(s.front(), kWhitespace))
        s.remove_prefix(1);
    while (!s.empty() && is(s.back(), kWhitespace))
        s.remove_suffix(1);
    return s;
}

}  // namespace strata::http::detail
