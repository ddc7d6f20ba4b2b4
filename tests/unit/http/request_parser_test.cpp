#include "strata/http/request_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace strata::http {
namespace {

using namespace std::string_view_literals;
using E = ParseError;

// Parses `wire` whole; returns the error, or none when complete.
ParseError parse_whole(std::string_view wire, const ParserOptions& options = {}) {
    RequestParser p(options);
    ParseResult r = p.parse(wire);
    if (r.status == ParseStatus::need_more) return E::bad_request_line;  // incomplete
    return r.error;
}

struct Case {
    std::string_view wire;
    ParseError expected;
};

// One line per case: what a request looks like on the wire, and how it must end.
const Case kCases[] = {
    {"GET / HTTP/1.1\r\nHost: a\r\n\r\n"sv, E::none},
    {"GET / HTTP/1.0\r\n\r\n"sv, E::none},
    {"GET /path\r\n"sv, E::none},                          // HTTP/0.9
    {"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"sv, E::none},  // leading CRLF ignored
    {"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"sv, E::none},
    {"CONNECT example.com:443 HTTP/1.1\r\nHost: a\r\n\r\n"sv, E::none},
    {"GET http://example.com/x?y HTTP/1.1\r\nHost: a\r\n\r\n"sv, E::none},
    {"GET http://[::1]:8080/ HTTP/1.1\r\nHost: a\r\n\r\n"sv, E::none},
    {"GET http://user:pass@example.com/x HTTP/1.1\r\nHost: a\r\n\r\n"sv, E::none},  // (fuzz)
    {"GET http://example.com:/x HTTP/1.1\r\nHost: a\r\n\r\n"sv, E::none},           // empty port
    {"GET http://ex%41mple.com/ HTTP/1.1\r\nHost: a\r\n\r\n"sv, E::none},
    {"GET http://[::ffff:10.0.0.1]/ HTTP/1.1\r\nHost: a\r\n\r\n"sv, E::none},
    {"GET / HTTP/1.9\r\nHost: a\r\n\r\n"sv, E::none},  // higher minor: answered as 1.1
    {"GET / HTTP/1.1\r\nHost: a\r\nX: \t v \t\r\n\r\n"sv, E::none},
    {"GET / HTTP/1.1\r\nHost: a\r\nX: caf\xc3\xa9\r\n\r\n"sv, E::none},  // obs-text
    {"GET / HTTP/1.1\r\nHost: a\r\nX:\r\n\r\n"sv, E::none},              // empty value
    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"sv, E::none},
    {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity, chunked\r\n\r\n"sv, E::none},
    // request line
    {"GET\r\n\r\n"sv, E::bad_request_line},
    {"GET HTTP/1.1\r\n\r\n"sv, E::bad_request_line},
    {"GET\n/\nHTTP/1.1\r\n\r\n"sv, E::bad_request_line},  // bare LF
    {"get / HTTP/1.1\r\nHost: a\r\n\r\n"sv, E::bad_method},
    {"G\0T / HTTP/1.1\r\nHost: a\r\n\r\n"sv, E::bad_method},
    {"GET: / HTTP/1.1\r\nHost: a\r\n\r\n"sv, E::bad_method},
    {"GET  / HTTP/1.1\r\nHost: a\r\n\r\n"sv, E::bad_target},
    {"GET /a b HTTP/1.1\r\nHost: a\r\n\r\n"sv, E::bad_version},
    {"GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n"sv, E::bad_target},
    {"GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n"sv, E::bad_target},
    {"GET /a\rb HTTP/1.1\r\nHost: a\r\n\r\n"sv, E::bad_target},  // bare CR
    {"GET * HTTP/1.1\r\nHost: a\r\n\r\n"sv, E::bad_target},
    {"GET example.com:443 HTTP/1.1\r\nHost: a\r\n\r\n"sv, E::bad_target},
    {"GET foo/bar HTTP/1.1\r\nHost: a\r\n\r\n"sv, E::bad_target},
    {"PUT s://]ufd/: HTTP/1.1\r\nHost: a\r\n\r\n"sv, E::bad_target},
    {"CONNECT example.com HTTP/1.1\r\nHost: a\r\n\r\n"sv, E::bad_target},  // port required
    {"CONNECT user@example.com:443 HTTP/1.1\r\nHost: a\r\n\r\n"sv, E::bad_target},
    {"GET http://a:b:80/ HTTP/1.1\r\nHost: a\r\n\r\n"sv, E::bad_target},
    {"GET http://a@b@c/ HTTP/1.1\r\nHost: a\r\n\r\n"sv, E::bad_target},
    {"GET http://ex%zzample.com/ HTTP/1.1\r\nHost: a\r\n\r\n"sv, E::bad_target},
    {"GET http://[::::]/ HTTP/1.1\r\nHost: a\r\n\r\n"sv, E::bad_target},
    {"GET http://[1.2.3.4]/ HTTP/1.1\r\nHost: a\r\n\r\n"sv, E::bad_target},
    {"GET http://:80/ HTTP/1.1\r\nHost: a\r\n\r\n"sv, E::bad_target},
    {"POST /path\r\n"sv, E::bad_request_line},  // HTTP/0.9 knows only GET
    {"GET / FTP/1.1\r\n\r\n"sv, E::bad_version},
    {"GET / HTTP/111\r\n\r\n"sv, E::bad_version},
    {"GET / HTTP/0.99\r\n\r\n"sv, E::bad_version},
    {"GET / http/1.1\r\n\r\n"sv, E::bad_version},
    {"GET / HTTP/2.0\r\n\r\n"sv, E::unsupported_version},
    {"GET / HTTP/0.9\r\n\r\n"sv, E::unsupported_version},
    // header fields
    {"GET / HTTP/1.1\r\nHost: a\r\nX : v\r\n\r\n"sv, E::bad_header_name},
    {"GET / HTTP/1.1\r\nHost: a\r\nX\0Y: v\r\n\r\n"sv, E::bad_header_name},
    {"GET / HTTP/1.1\r\nHost: a\r\n: v\r\n\r\n"sv, E::bad_header_name},
    {"GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n"sv, E::bad_header_name},
    {"GET / HTTP/1.1\r\nHost: a\r\nX\xc3\x9f: v\r\n\r\n"sv, E::bad_header_name},
    {"GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n"sv, E::bad_header_value},
    {"GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n"sv, E::bad_header_value},
    {"GET / HTTP/1.1\r\nHost: a\r\nX: a\x07\r\n\r\n"sv, E::bad_header_value},
    {"GET / HTTP/1.1\r\nHost: a\r\nX: a\x7f\r\n\r\n"sv, E::bad_header_value},
    {"GET / HTTP/1.1\r\nHost: a\r\nX: a\nY: b\r\n\r\n"sv, E::bad_header_value},  // bare LF
    {"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n"sv, E::obsolete_folding},
    {"GET / HTTP/1.1\r\n Host: a\r\n\r\n"sv, E::obsolete_folding},
    {"GET / HTTP/1.1\r\n\r\n"sv, E::missing_host},
    {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"sv, E::duplicate_header},
    {"GET / HTTP/1.1\r\nHost: a\r\nContent-Type: a\r\ncontent-type: b\r\n\r\n"sv,
     E::duplicate_header},
    // framing
    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 2\r\n\r\n"sv,
     E::bad_content_length},
    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n"sv, E::bad_content_length},
    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\n"sv, E::bad_content_length},
    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n"sv, E::bad_content_length},
    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n"sv, E::bad_content_length},
    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n"sv, E::bad_content_length},
    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n"sv, E::bad_content_length},
    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n"sv,
     E::bad_content_length},
    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"sv,
     E::length_and_chunked},
    {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"sv,
     E::length_and_chunked},
    {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n"sv,
     E::bad_transfer_encoding},
    {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"sv,
     E::bad_transfer_encoding},
    {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n"sv,
     E::bad_transfer_encoding},
    {"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"sv, E::bad_transfer_encoding},
    {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"sv,
     E::unsupported_transfer_encoding},
    {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n"sv,
     E::unsupported_transfer_encoding},
    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1048577\r\n\r\n"sv, E::body_too_large},
};

class ParserTable : public testing::TestWithParam<Case> {};

TEST_P(ParserTable, WholeInput) {
    const Case& c = GetParam();
    EXPECT_EQ(parse_whole(c.wire), c.expected) << testing::PrintToString(std::string(c.wire));
}

// Every case must end the same way when its bytes arrive one at a time.
TEST_P(ParserTable, OneByteAtATime) {
    const Case& c = GetParam();
    std::string wire(c.wire);
    RequestParser p;
    std::string fed;
    ParseResult r{ParseStatus::need_more};
    for (size_t i = 0; i < wire.size() && r.status == ParseStatus::need_more; ++i) {
        fed.push_back(wire[i]);
        std::string moved = fed;  // a fresh copy each time: the bytes move in memory
        r = p.parse(moved);
        if (r.status == ParseStatus::complete) {
            EXPECT_EQ(r.consumed, wire.size());
            EXPECT_FALSE(p.head().method.empty());
        }
    }
    EXPECT_EQ(r.status == ParseStatus::complete ? E::none : r.error, c.expected) << wire;
}

INSTANTIATE_TEST_SUITE_P(Cases, ParserTable, testing::ValuesIn(kCases));

// An overlong line ended by a bare LF is refused for its length, whether it arrives
// whole or in pieces (found by tests/fuzz/request_parser_fuzz.cpp: whole gave 400, split
// 431/414).
TEST(RequestParser, OverlongLineWithBareLfIsTooLongHoweverItIsRead) {
    ParserOptions options;
    options.limits = {64, 64, 4, 1000};
    struct {
        std::string wire;
        ParseError expected;
    } const cases[] = {
        {"GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(100, 'a') + "\n\r\n",
         E::header_line_too_long},
        {"GET /" + std::string(100, 'a') + " HTTP/1.1\nHost: a\r\n\r\n", E::request_line_too_long},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(parse_whole(c.wire, options), c.expected) << c.wire;
        RequestParser split(options);
        ParseResult first = split.parse(std::string_view(c.wire).substr(0, 90));
        ParseResult r = first.status == ParseStatus::need_more ? split.parse(c.wire) : first;
        EXPECT_EQ(r.error, c.expected) << c.wire;
    }
}

}  // namespace
}  // namespace strata::http
