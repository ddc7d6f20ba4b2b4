// Serializes a response head into a buffer, and the framing of chunked bodies.
//
//   ResponseWriter w(out);
//   w.status(200).header("Content-Type", "text/html").content_length(12).date(cache.now())
//    .connection(keep_alive).end();
#pragma once

#include <cstdint>
#include <string_view>

#include "strata/base/buffer.h"

namespace strata::http {

class ResponseWriter {
  public:
    explicit ResponseWriter(Buffer& out) : out_(out) {}

    ResponseWriter& status(int code);
    // "HTTP/1.1 " + `status` as an app wrote it ("200 OK", "404 Gone Fishing").
    ResponseWriter& status_text(std::string_view status);
    ResponseWriter& header(std::string_view name, std::string_view value);
    ResponseWriter& content_length(uint64_t length);
    ResponseWriter& date(std::string_view http_date) { return header("Date", http_date); }
    // "Connection: keep-alive" or "Connection: close", as nginx always sends one.
    ResponseWriter& connection(bool keep_alive);
    ResponseWriter& chunked() { return header("Transfer-Encoding", "chunked"); }
    void end() { out_.append("\r\n"); }

  private:
    Buffer& out_;
};

// "<hex size>\r\n" into out (at least kMaxChunkHeader bytes); returns its length.
inline constexpr size_t kMaxChunkHeader = 18;
size_t format_chunk_header(uint64_t size, char* out);
inline constexpr std::string_view kChunkEnd = "\r\n";
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

// Decimal digits of `value` into out (at least 20 bytes); returns their count.
size_t format_decimal(uint64_t value, char* out);

}  // namespace strata::http
