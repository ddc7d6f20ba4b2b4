// A parsed upstream response head: views into the proxy's buffer plus the framing
// derived from it (RFC 9112 §6.3). Valid while the bytes stay where they are.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "strata/http/request_head.h"

namespace strata::http {

// How the body after the head ends.
enum class ResponseBody : uint8_t {
    none,         // HEAD, 1xx, 204, 304, a zero Content-Length
    length,       // content_length bytes
    chunked,      // read it with ChunkedDecoder
    until_close,  // no framing: the body ends when the upstream closes
};

struct ResponseHead {
    Version version = Version::http11;
    uint16_t status = 0;
    std::string_view reason;      // may be empty
    std::vector<Header> headers;  // order kept, repeats kept

    ResponseBody body = ResponseBody::none;
    uint64_t content_length = 0;  // as sent, even when there is no body (HEAD, 304)
    bool has_content_length = false;
    // Interim (1xx other than 101): skip it and parse the next head of the same exchange.
    bool interim = false;
    // Both Content-Length and Transfer-Encoding were sent: chunked framing wins, but the
    // sender is confused or an attacker, so the connection is not reused (RFC 9112 §6.3).
    bool length_and_chunked = false;
    // The connection may carry another request once this body is read: HTTP/1.1 without
    // "close", HTTP/1.0 with "keep-alive", a trusted framing, and no protocol switch.
    bool keep_alive = false;
    size_t head_size = 0;  // bytes of the head, final CRLF included

    // The first field named `name` (ASCII case-insensitive), or empty.
    std::string_view find(std::string_view name) const;
};

}  // namespace strata::http
