// Why a request (or an upstream's response) was rejected, the HTTP status that answers
// it, and the outcome of one parse call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace strata::http {

enum class ParseError : uint8_t {
    none,
    bad_request_line,               // malformed request line, bare LF, missing parts
    bad_method,                     // method is not an upper-case token
    bad_target,                     // request-target has invalid bytes or form
    bad_version,                    // not "HTTP/d.d"
    unsupported_version,            // well-formed but not HTTP/1.x → 505
    bad_header_name,                // not a token, whitespace before the colon, NUL, non-ASCII
    bad_header_value,               // CTL (NUL, bare CR, BEL, DEL…) or bare LF in a value
    obsolete_folding,               // a line starting with SP/HTAB (obs-fold)
    refused_header_name,            // '_' in a name while underscores are refused
    missing_host,                   // HTTP/1.1 without Host
    duplicate_header,               // Host or Content-Type repeated
    bad_content_length,             // not a plain decimal, or repeated with another value
    length_and_chunked,             // both Content-Length and Transfer-Encoding
    bad_transfer_encoding,          // chunked not final, repeated, or on HTTP/1.0
    unsupported_transfer_encoding,  // a coding other than chunked → 501
    request_line_too_long,          // → 414
    header_line_too_long,           // → 431
    too_many_headers,               // → 431
    body_too_large,                 // → 413
    bad_chunk_size,
    bad_chunk_extension,
    missing_chunk_terminator,  // chunk data or the last chunk not followed by CRLF
    forbidden_trailer,         // framing or routing field in a trailer section
    bad_proxy_header,
    // An upstream's response: a proxy answers each of these with 502.
    bad_status_line,          // not "HTTP/", missing parts, bare LF (no HTTP/0.9 responses)
    bad_status_code,          // not three digits in 100..599
    response_head_too_large,  // status line and fields beyond proxy_buffer_size
};

enum class ParseStatus : uint8_t { complete, need_more, error };

struct ParseResult {
    ParseStatus status;
    size_t consumed = 0;  // head bytes, when complete
    ParseError error = ParseError::none;
};

// The response status for a rejected request (400, 413, 414, 431, 501, 505); 502 for the
// errors only a response can have.
int status_for(ParseError error);
std::string_view describe(ParseError error);

}  // namespace strata::http
