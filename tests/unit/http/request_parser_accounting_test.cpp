// What the parser reports about a refused head (nginx's $request_length) and the field
// limit a request's Host may change (large_client_header_buffers of Host's server).
#include <gtest/gtest.h>

#include <string>

#include "strata/http/request_parser.h"

namespace strata::http {
namespace {

using namespace std::string_view_literals;

struct Counted {
    std::string_view wire;
    ParseError error;
    size_t accepted;  // what nginx counts of it
};

const Counted kCounted[] = {
    // Refused for its syntax: the line is not counted.
    {"GET / HTTP/1.1\r\nHost: a\r\nX: a\x01\r\n\r\n"sv, ParseError::bad_header_value, 25},
    // Refused for what it says: counted.
    {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"sv, ParseError::duplicate_header, 34},
    // Refused once the head is complete: all of it.
    {"GET / HTTP/1.1\r\n\r\n"sv, ParseError::missing_host, 18},
    {"POST / HTTP/1.1\r\nContent-Length: x\r\nHost: a\r\n\r\n"sv, ParseError::bad_content_length,
     47},
    {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nX: y\r\n\r\n"sv,
     ParseError::unsupported_transfer_encoding, 59},
    // Empty lines before the request line are not counted.
    {"\r\n\r\nGET / HTTP/1.1\r\n\r\n"sv, ParseError::missing_host, 18},
    // A bad value is refused at the head's end: a line refused for its syntax comes first.
    {"POST / HTTP/1.1\r\nContent-Length: x\r\nX: a\x01\r\n\r\n"sv, ParseError::bad_header_value,
     36},
};

TEST(RequestParserAccounting, CountsWhatNginxCounts) {
    for (const Counted& c : kCounted) {
        RequestParser p;
        ParseResult r = p.parse(c.wire);
        std::string shown = testing::PrintToString(std::string(c.wire));
        ASSERT_EQ(r.status, ParseStatus::error) << shown;
        EXPECT_EQ(r.error, c.error) << shown;
        EXPECT_EQ(p.accepted_bytes(), c.accepted) << shown;
    }
}

TEST(RequestParserAccounting, EmptyLinesBeforeAnUnfinishedHeadAreNotCounted) {
    RequestParser p;
    EXPECT_EQ(p.parse("\r\n"sv).status, ParseStatus::need_more);
    EXPECT_EQ(p.accepted_bytes(), 0u);
    EXPECT_EQ(p.parse("\r\n\r\nGET / HTTP/1.1\r\nX-A: b"sv).status, ParseStatus::need_more);
    EXPECT_EQ(p.accepted_bytes(), 16u);
}

// "wide" allows 64-byte lines after it, others 32.
class WideHost final : public HostFieldLimit {
  public:
    size_t field_line_after(std::string_view host) const override {
        return host == "wide" ? 64 : 32;
    }
};

ParseError parse_with_host_limit(std::string_view wire) {
    static const WideHost limit;
    ParserOptions options;
    options.limits.field_line = 32;
    options.host_field_limit = &limit;
    RequestParser p(options);
    ParseResult r = p.parse(wire);
    EXPECT_NE(r.status, ParseStatus::need_more);
    return r.error;
}

TEST(RequestParserHostFieldLimit, FieldsAfterHostUseItsServersLimit) {
    std::string field = "X-Long: " + std::string(40, 'a') + "\r\n";  // 50 bytes
    EXPECT_EQ(parse_with_host_limit("GET / HTTP/1.1\r\nHost: wide\r\n" + field + "\r\n"),
              ParseError::none);
    EXPECT_EQ(parse_with_host_limit("GET / HTTP/1.1\r\n" + field + "Host: wide\r\n\r\n"),
              ParseError::header_line_too_long);
    EXPECT_EQ(parse_with_host_limit("GET / HTTP/1.1\r\nHost: other\r\n" + field + "\r\n"),
              ParseError::header_line_too_long);
}

TEST(RequestParserHostFieldLimit, TheNextRequestStartsWithTheDefaultLimit) {
    static const WideHost limit;
    ParserOptions options;
    options.limits.field_line = 32;
    options.host_field_limit = &limit;
    RequestParser p(options);
    std::string field = "X-Long: " + std::string(40, 'a') + "\r\n";
    std::string first = "GET / HTTP/1.1\r\nHost: wide\r\n" + field + "\r\n";
    ASSERT_EQ(p.parse(first).status, ParseStatus::complete);
    p.reset();
    std::string second = "GET / HTTP/1.1\r\n" + field + "Host: wide\r\n\r\n";
    EXPECT_EQ(p.parse(second).error, ParseError::header_line_too_long);
}

}  // namespace
}  // namespace strata::http
