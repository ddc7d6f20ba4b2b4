// The HTTP request-head parser, fed whole and fed in three reads (as a connection does
// when a head arrives in pieces). Properties: the same answer either way; consumed never
// exceeds the input; a complete head's views point into the input; a parser reused after
// reset() answers as a fresh one.
//
// Input: [options byte][split byte][split byte] request bytes…
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "request_parser_options.h"
#include "strata/http/request_parser.h"

namespace strata::fuzz {
namespace {

using http::ParseResult;
using http::ParseStatus;
using http::RequestHead;

void require_same_result(const ParseResult& a, const ParseResult& b, const char* what) {
    require(a.status == b.status, what, "status");
    require(a.consumed == b.consumed, what, "consumed");
    require(a.error == b.error, what, http::describe(a.error));
}

void require_same_head(const RequestHead& a, const RequestHead& b) {
    require(a.method == b.method && a.target == b.target && a.version == b.version,
            "request line differs whole vs split");
    require(a.headers.size() == b.headers.size(), "header count differs whole vs split");
    for (size_t i = 0; i < a.headers.size(); ++i)
        require(a.headers[i].name == b.headers[i].name && a.headers[i].value == b.headers[i].value,
                "header differs whole vs split");
    require(a.body == b.body && a.content_length == b.content_length, "framing differs");
    require(a.host == b.host && a.has_host == b.has_host, "host differs");
    require(a.keep_alive == b.keep_alive && a.expect_continue == b.expect_continue,
            "persistence differs");
    require(a.head_size == b.head_size, "head size differs");
}

void require_views_inside(const RequestHead& head, std::string_view input, size_t consumed) {
    std::string_view the_head = input.substr(0, consumed);
    require(points_into(head.method, the_head) && !head.method.empty(), "method outside head");
    require(points_into(head.target, the_head) && !head.target.empty(), "target outside head");
    require(points_into(head.host, the_head), "host outside head");
    for (const http::Header& h : head.headers)
        require(points_into(h.name, the_head) && points_into(h.value, the_head) && !h.name.empty(),
                "header outside head");
    require(head.head_size == consumed, "head_size != consumed");
}

// Three reads: the first `k1` bytes, then `k2`, then all; stops at a final answer.
ParseResult parse_in_pieces(http::RequestParser& parser, std::string_view input, size_t k1,
                            size_t k2) {
    for (size_t end : {k1, k2}) {
        ParseResult r = parser.parse(input.substr(0, end));
        require(r.consumed <= end, "consumed more than the input (split)");
        if (r.status != ParseStatus::need_more) return r;
    }
    return parser.parse(input);
}

void run(FuzzInput in) {
    const http::ParserOptions options = parser_options(in.byte());
    uint8_t s1 = in.byte(), s2 = in.byte();
    // A copy of exactly the payload's size, so ASan sees any read past its end.
    const std::string input(in.rest());
    size_t k1 = split_point(s1, input.size());
    size_t k2 = std::max(k1, split_point(s2, input.size()));

    http::RequestParser whole_parser(options);
    ParseResult whole = whole_parser.parse(input);
    require(whole.consumed <= input.size(), "consumed more than the input");
    if (whole.status == ParseStatus::complete)
        require_views_inside(whole_parser.head(), input, whole.consumed);

    // Used once before, then reset: it must answer as a fresh parser would.
    http::RequestParser split_parser(options);
    split_parser.parse(input);
    split_parser.reset();
    ParseResult split = parse_in_pieces(split_parser, input, k1, k2);
    require_same_result(whole, split, "whole vs split");
    if (whole.status == ParseStatus::complete) {
        require_views_inside(split_parser.head(), input, split.consumed);
        require_same_head(whole_parser.head(), split_parser.head());
    }
}

}  // namespace
}  // namespace strata::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    strata::fuzz::run(strata::fuzz::FuzzInput(data, size));
    return 0;
}
