// A reference reader of HTTP/1.1 request heads, written from RFC 9112 for the
// differential fuzz target: plain and slow, whole input at once, no limits. Where the
// RFC lets a server choose, it makes strata's choice, each marked with its section.
#pragma once

#include <cstdint>
#include <string_view>

namespace strata::fuzz::reference {

enum class Outcome : uint8_t { complete, need_more, reject };
enum class Framing : uint8_t { none, length, chunked };
enum class Underscores : uint8_t { drop, refuse, keep };

struct Options {
    bool require_host = true;
    Underscores underscores = Underscores::drop;
};

struct Verdict {
    Outcome outcome = Outcome::need_more;
    int status = 0;       // the response status of a rejection: 400, 501 or 505
    size_t head_end = 0;  // when complete: bytes up to and including the empty line
    Framing framing = Framing::none;
    uint64_t content_length = 0;
    bool keep_alive = false;
};

// The head at the start of `input`.
Verdict read_request_head(std::string_view input, const Options& options);

}  // namespace strata::fuzz::reference
