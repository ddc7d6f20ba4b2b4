// A parsed request head: views into the connection's buffer plus the framing derived
// from it. Valid while the bytes it was parsed from stay where they are.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace strata::http {

// In order: later versions compare greater (gzip_http_version, chunked coding).
enum class Version : uint8_t { http09, http10, http11, http2 };

// "HTTP/1.1"; "HTTP/2.0" as nginx logs it and gunicorn names it to apps; "" for HTTP/0.9.
std::string_view to_string(Version version);

struct Header {
    std::string_view name;   // as sent (case preserved)
    std::string_view value;  // surrounding SP/HTAB removed
};

enum class BodyKind : uint8_t { none, length, chunked };

struct RequestHead {
    std::string_view method;
    std::string_view target;  // request-target exactly as sent
    Version version = Version::http11;
    std::vector<Header> headers;  // order kept, repeats kept

    // Derived while parsing, so nobody scans the headers again for framing.
    BodyKind body = BodyKind::none;
    uint64_t content_length = 0;
    std::string_view host;    // the Host field value, empty when absent
    bool has_host = false;    // a Host field was sent (possibly empty)
    bool keep_alive = false;  // the version's default adjusted by Connection
    bool expect_continue = false;
    size_t head_size = 0;  // bytes of the head, final CRLF included

    // The first field named `name` (ASCII case-insensitive), or empty.
    std::string_view find(std::string_view name) const;
};

inline char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c | 0x20) : c;
}
// ASCII case-insensitive equality (field names, tokens). Inline: most calls compare
// names of different lengths, which costs one test here and no call.
inline bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    return true;
}

}  // namespace strata::http
