// The HTTP/1.x request-head parser: a pure, incremental function over bytes.
//
//   RequestParser p(options);
//   ParseResult r = p.parse(buffer.view());   // need_more → read, call again
//   if (r.status == ParseStatus::complete) use(p.head()), buffer.consume(r.consumed);
//
// Input passed on each call must start at the same request; it may have moved in
// memory (the buffer grew). Bytes already scanned are not scanned again. No
// allocation in steady state: the header table keeps its capacity across requests.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "strata/http/detail/body_framing.h"
#include "strata/http/detail/field_line.h"
#include "strata/http/limits.h"
#include "strata/http/parse_error.h"
#include "strata/http/request_head.h"

namespace strata::http {

// What to do with header names containing '_' (nginx's underscores_in_headers off
// and gunicorn's header_map=drop both ignore them: they collide with '-' in CGI names).
enum class UnderscoreHeaders : uint8_t { drop, refuse, keep };

// nginx reads the fields after Host with the large_client_header_buffers of the server
// that Host names (the default server's before it): the front server says which.
class HostFieldLimit {
  public:
    virtual ~HostFieldLimit() = default;
    // The longest field line (CRLF included) once `host`, as sent, has been read.
    virtual size_t field_line_after(std::string_view host) const = 0;
};

struct ParserOptions {
    Limits limits = Limits::nginx();
    const HostFieldLimit* host_field_limit = nullptr;  // none: limits.field_line throughout
    bool require_host = true;  // RFC 9112 §3.2: HTTP/1.1 without Host → 400
    UnderscoreHeaders underscores = UnderscoreHeaders::drop;
};

class RequestParser {
  public:
    explicit RequestParser(const ParserOptions& options = {}) : options_(options) {}

    ParseResult parse(std::string_view input);
    const RequestHead& head() const { return head_; }
    // The head bytes nginx counts in $request_length of a request it rejected: the lines
    // read so far (a line refused for its syntax is not counted, one refused for what it
    // says is; empty lines before the request line are not), or the whole head when the
    // refusal came at its end.
    size_t accepted_bytes() const { return line_start_ - leading_empty_bytes_; }
    // Re-points the head's views at `input` after its bytes moved in memory.
    void rebind(std::string_view input);
    // Forget the current request; the next parse() starts a new one.
    void reset();

    const ParserOptions& options() const { return options_; }

  private:
    struct Span {
        uint32_t offset = 0, length = 0;
        std::string_view view(const char* base) const { return {base + offset, length}; }
    };
    // What the framing fields said, gathered while the lines arrive.
    struct Framing {
        detail::BodyFraming body;
        bool has_host = false, has_content_type = false;
        bool connection_close = false, connection_keep_alive = false;
        // A bad Content-Length or Transfer-Encoding value is refused once the head is
        // complete, as nginx checks them (the rest of the head is still read).
        ParseError refused_value = ParseError::none;
    };

    ParseResult fail(ParseError error);
    ParseError on_line(std::string_view input, size_t begin, size_t end);
    ParseError on_request_line(std::string_view line, size_t offset);
    ParseError on_field_line(std::string_view line, size_t offset);
    ParseError on_framing_field(std::string_view name, std::string_view value,
                                const detail::FieldSpan& span);
    ParseError on_transfer_encoding(std::string_view value);
    void refuse_value_later(ParseError error);
    ParseError on_content_length(std::string_view value);
    ParseError finish_head();
    ParseError check_partial_line(size_t length) const;

    ParserOptions options_;
    RequestHead head_;
    std::vector<detail::FieldSpan> fields_;
    Span method_, target_, host_;
    Framing framing_;
    size_t scanned_ = 0;              // resume hint: bytes already looked at
    size_t line_start_ = 0;           // offset of the line being scanned
    size_t leading_empty_bytes_ = 0;  // CRLFs before the request line (RFC 9112 §2.2)
    size_t field_lines_ = 0;
    size_t field_line_limit_ = options_.limits.field_line;  // the Host's server may change it
    bool in_headers_ = false;
    bool complete_ = false;
    ParseError error_ = ParseError::none;  // sticky once failed
};

}  // namespace strata::http
