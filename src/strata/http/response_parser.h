// The HTTP/1.x response-head parser, for what an upstream sends back to the proxy: a
// pure, incremental function over bytes, shaped like RequestParser.
//
//   ResponseParser p("GET");                   // the method the upstream was sent
//   ParseResult r = p.parse(buffer.view());    // need_more → read, call again
//   if (r.status == ParseStatus::complete) {
//       buffer.consume(r.consumed);
//       if (p.head().interim) p.next_response(), parse again;   // 100 Continue, 103…
//       else read the body as p.head().body says (ChunkedDecoder when chunked);
//   }
//
// Input passed on each call must start at the same response; it may have moved in
// memory. Bytes already scanned are not scanned again. No allocation in steady state.
// Any error means the upstream cannot be trusted: the proxy answers 502 and closes.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "strata/http/detail/body_framing.h"
#include "strata/http/detail/field_line.h"
#include "strata/http/limits.h"
#include "strata/http/parse_error.h"
#include "strata/http/response_head.h"

namespace strata::http {

class ResponseParser {
  public:
    // Framing depends on the request: a response to HEAD never has a body, nor has a 2xx
    // to CONNECT (the connection becomes a tunnel).
    explicit ResponseParser(std::string_view request_method,
                            const ResponseLimits& limits = ResponseLimits{});

    ParseResult parse(std::string_view input);
    const ResponseHead& head() const { return head_; }
    // Re-points the head's views at `input` after its bytes moved in memory.
    void rebind(std::string_view input);
    // After an interim head: parse the next head answering the same request.
    void next_response();
    // A new exchange on the same connection.
    void reset(std::string_view request_method);

    const ResponseLimits& limits() const { return limits_; }

  private:
    struct Span {
        uint32_t offset = 0, length = 0;
        std::string_view view(const char* base) const { return {base + offset, length}; }
    };
    // What the framing fields said, gathered while the lines arrive.
    struct Framing {
        detail::BodyFraming body;
        bool connection_close = false, connection_keep_alive = false;
    };

    ParseResult fail(ParseError error);
    ParseError on_line(std::string_view line, size_t offset);
    ParseError on_status_line(std::string_view line, size_t offset);
    ParseError on_field_line(std::string_view line, size_t offset);
    ParseError on_framing_field(std::string_view name, std::string_view value);
    ParseError on_content_length(std::string_view value);
    ParseError on_transfer_encoding(std::string_view value);
    ParseError finish_head();
    ResponseBody body_kind() const;
    bool may_keep_alive() const;

    ResponseLimits limits_;
    bool head_request_ = false, connect_request_ = false;
    ResponseHead head_;
    std::vector<detail::FieldSpan> fields_;
    Span reason_;
    Framing framing_;
    size_t scanned_ = 0;     // resume hint: bytes already looked at
    size_t line_start_ = 0;  // offset of the line being scanned
    bool in_headers_ = false;
    bool complete_ = false;
    ParseError error_ = ParseError::none;  // sticky once failed
};

}  // namespace strata::http
