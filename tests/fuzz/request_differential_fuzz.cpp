// strata's request parser against the reference reader of tests/fuzz/reference (written
// from RFC 9112, with strata's documented choices). They must agree on accept / reject
// (and the status of a rejection) and on framing: where the head ends, no body vs
// Content-Length vs chunked, the length, and whether the connection stays open. Pipelined
// requests are followed while the bodies have a length. Requests strata refuses for a
// size limit are not compared: the reference has no limits.
//
// Input: [options byte] request bytes…
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "reference/http1_request.h"
#include "strata/http/request_parser.h"

namespace strata::fuzz {
namespace {

namespace ref = reference;

bool is_limit(http::ParseError e) {
    using http::ParseError;
    return e == ParseError::request_line_too_long || e == ParseError::header_line_too_long ||
           e == ParseError::too_many_headers || e == ParseError::body_too_large;
}

ref::Framing framing_of(http::BodyKind kind) {
    switch (kind) {
        case http::BodyKind::none:
            return ref::Framing::none;
        case http::BodyKind::length:
            return ref::Framing::length;
        case http::BodyKind::chunked:
            return ref::Framing::chunked;
    }
    return ref::Framing::none;
}

// Compares one request; returns where the next one starts, or npos when comparing stops.
size_t compare_one(std::string_view input, const http::ParserOptions& options,
                   const ref::Options& reference_options) {
    http::RequestParser parser(options);
    http::ParseResult got = parser.parse(input);
    if (got.status == http::ParseStatus::error && is_limit(got.error)) return std::string::npos;
    ref::Verdict want = ref::read_request_head(input, reference_options);
    switch (got.status) {
        case http::ParseStatus::need_more:
            require(want.outcome == ref::Outcome::need_more, "strata wants more, reference not");
            return std::string::npos;
        case http::ParseStatus::error:
            require(want.outcome == ref::Outcome::reject, "strata rejects, reference not",
                    http::describe(got.error));
            require(want.status == http::status_for(got.error), "rejection status differs",
                    http::describe(got.error));
            return std::string::npos;
        case http::ParseStatus::complete:
            break;
    }
    require(want.outcome == ref::Outcome::complete, "strata accepts, reference not");
    const http::RequestHead& head = parser.head();
    require(want.head_end == got.consumed, "head ends elsewhere");
    require(want.framing == framing_of(head.body), "body framing differs");
    require(want.content_length == head.content_length, "Content-Length differs");
    require(want.keep_alive == head.keep_alive, "persistence differs");
    if (head.body == http::BodyKind::chunked) return std::string::npos;
    uint64_t next = got.consumed + (head.body == http::BodyKind::length ? head.content_length : 0);
    return next < input.size() ? static_cast<size_t>(next) : std::string::npos;
}

void run(FuzzInput in) {
    uint8_t bits = in.byte();
    http::ParserOptions options;  // nginx's limits
    options.require_host = bits & 1;
    ref::Options reference_options;
    reference_options.require_host = options.require_host;
    static constexpr http::UnderscoreHeaders kModes[] = {
        http::UnderscoreHeaders::drop, http::UnderscoreHeaders::refuse,
        http::UnderscoreHeaders::keep, http::UnderscoreHeaders::drop};
    static constexpr ref::Underscores kReferenceModes[] = {
        ref::Underscores::drop, ref::Underscores::refuse, ref::Underscores::keep,
        ref::Underscores::drop};
    options.underscores = kModes[(bits >> 1) & 3];
    reference_options.underscores = kReferenceModes[(bits >> 1) & 3];

    const std::string input(in.rest());
    size_t start = 0;
    for (int request = 0; request < 4 && start != std::string::npos; ++request) {
        size_t next =
            compare_one(std::string_view(input).substr(start), options, reference_options);
        start = next == std::string::npos ? next : start + next;
    }
}

}  // namespace
}  // namespace strata::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    strata::fuzz::run(strata::fuzz::FuzzInput(data, size));
    return 0;
}
