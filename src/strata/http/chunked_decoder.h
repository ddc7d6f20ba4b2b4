// Incremental decoder of a chunked request body (RFC 9112 §7.1), zero-copy: each call
// returns at most one run of body bytes as a view into the input.
//
//   ChunkedDecoder d(max_body);
//   for (;;) { ChunkResult r = d.decode(buffer.view());
//              append(r.data); buffer.consume(r.consumed);
//              if (r.status != ChunkStatus::data) break; }
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "strata/http/detail/field_line.h"
#include "strata/http/limits.h"
#include "strata/http/parse_error.h"
#include "strata/http/request_head.h"

namespace strata::http {

enum class ChunkStatus : uint8_t {
    data,       // r.data holds body bytes (possibly empty); call again
    need_more,  // everything usable was consumed; read more, call again
    done,       // last chunk and trailer section consumed; trailers() is valid
    error,
};

struct ChunkResult {
    ChunkStatus status;
    size_t consumed = 0;
    std::string_view data = {};
    ParseError error = ParseError::none;
};

class ChunkedDecoder {
  public:
    explicit ChunkedDecoder(uint64_t max_body = kUnlimitedBody,
                            size_t max_trailer_line = kNginxMaxFieldLine,
                            size_t max_trailers = kGunicornMaxFields)
        : max_body_(max_body), max_trailer_line_(max_trailer_line), max_trailers_(max_trailers) {}

    ChunkResult decode(std::string_view input);
    // Trailer fields: views into the input of the call that returned done.
    const std::vector<Header>& trailers() const { return trailers_; }
    uint64_t body_size() const { return total_; }
    void reset();

  private:
    enum class State : uint8_t { size_line, data, data_crlf, trailer, done, failed };

    ChunkResult fail(ParseError error);
    ChunkResult on_size_line(std::string_view input);
    ChunkResult on_data(std::string_view input);
    ChunkResult on_data_crlf(std::string_view input);
    ChunkResult on_trailer(std::string_view input);

    uint64_t max_body_;
    size_t max_trailer_line_;
    size_t max_trailers_;
    State state_ = State::size_line;
    uint64_t remaining_ = 0;  // bytes left in the current chunk
    uint64_t total_ = 0;
    size_t trailer_scanned_ = 0;  // resume hint inside the trailer section
    std::vector<detail::FieldSpan> trailer_fields_;
    std::vector<Header> trailers_;
    ParseError error_ = ParseError::none;
};

}  // namespace strata::http
