// What the parser derives from a head: framing, persistence, views, limits.
#include <gtest/gtest.h>

#include <string>

#include "strata/http/request_parser.h"

namespace strata::http {
namespace {

const RequestHead& parse_ok(RequestParser& p, std::string_view wire) {
    ParseResult r = p.parse(wire);
    EXPECT_EQ(r.status, ParseStatus::complete) << describe(r.error);
    EXPECT_EQ(r.consumed, wire.size());
    return p.head();
}

TEST(RequestHead, ViewsAndOrderOfHeaders) {
    RequestParser p;
    std::string wire = "GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nX-One: 1\r\nx-one: 2\r\n\r\n";
    const RequestHead& h = parse_ok(p, wire);
    EXPECT_EQ(h.method, "GET");
    EXPECT_EQ(h.target, "/a?b=c");
    EXPECT_EQ(h.version, Version::http11);
    ASSERT_EQ(h.headers.size(), 3u);
    EXPECT_EQ(h.headers[1].name, "X-One");
    EXPECT_EQ(h.headers[2].name, "x-one");
    EXPECT_EQ(h.headers[2].value, "2");
    EXPECT_EQ(h.host, "example.com");
    EXPECT_EQ(h.find("X-ONE"), "1");
    EXPECT_EQ(h.find("missing"), "");
}

struct Persistence {
    const char* wire;
    bool keep_alive;
};

class KeepAlive : public testing::TestWithParam<Persistence> {};

TEST_P(KeepAlive, FollowsVersionAndConnection) {
    RequestParser p;
    EXPECT_EQ(parse_ok(p, GetParam().wire).keep_alive, GetParam().keep_alive) << GetParam().wire;
}

INSTANTIATE_TEST_SUITE_P(
    Table, KeepAlive,
    testing::Values(Persistence{"GET / HTTP/1.1\r\nHost: a\r\n\r\n", true},
                    Persistence{"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", false},
                    Persistence{"GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, CLOSE\r\n\r\n",
                                false},
                    Persistence{"GET / HTTP/1.0\r\n\r\n", false},
                    Persistence{"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true},
                    Persistence{"GET / HTTP/1.0\r\nConnection: Keep-Alive, close\r\n\r\n", false},
                    Persistence{"GET /x\r\n", false}));

TEST(RequestHead, BodyFraming) {
    RequestParser p;
    const RequestHead& h1 = parse_ok(p, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n");
    EXPECT_EQ(h1.body, BodyKind::length);
    EXPECT_EQ(h1.content_length, 12u);
    p.reset();
    const RequestHead& h2 = parse_ok(p, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
    EXPECT_EQ(h2.body, BodyKind::none);
    p.reset();
    const RequestHead& h3 =
        parse_ok(p, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n");
    EXPECT_EQ(h3.body, BodyKind::chunked);
    p.reset();
    EXPECT_EQ(parse_ok(p, "GET / HTTP/1.1\r\nHost: a\r\n\r\n").body, BodyKind::none);
}

TEST(RequestHead, ExpectContinueOnlyOnHttp11) {
    RequestParser p;
    EXPECT_TRUE(
        parse_ok(p, "PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\n\r\n").expect_continue);
    p.reset();
    EXPECT_FALSE(parse_ok(p, "PUT / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n").expect_continue);
}

TEST(RequestHead, HostOptionalWhenNotRequired) {
    RequestParser p(ParserOptions{.require_host = false});
    EXPECT_EQ(parse_ok(p, "GET / HTTP/1.1\r\n\r\n").host, "");
}

TEST(RequestHead, UnderscoreHeadersDroppedRefusedOrKept) {
    std::string wire = "GET / HTTP/1.1\r\nHost: a\r\nX_Forwarded: 1\r\n\r\n";
    RequestParser drop;
    EXPECT_EQ(parse_ok(drop, wire).headers.size(), 1u);
    RequestParser keep(ParserOptions{.underscores = UnderscoreHeaders::keep});
    EXPECT_EQ(parse_ok(keep, wire).headers.size(), 2u);
    RequestParser refuse(ParserOptions{.underscores = UnderscoreHeaders::refuse});
    EXPECT_EQ(refuse.parse(wire).error, ParseError::refused_header_name);
}

TEST(RequestHead, PipelinedRequestsParseOneAtATime) {
    std::string wire = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: b\r\n\r\n";
    RequestParser p;
    ParseResult r = p.parse(wire);
    ASSERT_EQ(r.status, ParseStatus::complete);
    EXPECT_EQ(p.head().target, "/1");
    std::string_view rest = std::string_view(wire).substr(r.consumed);
    p.reset();
    ASSERT_EQ(p.parse(rest).status, ParseStatus::complete);
    EXPECT_EQ(p.head().target, "/2");
    EXPECT_EQ(p.head().host, "b");
}

// Every split point of a request: the first part needs more, the whole completes with
// the same result, and the bytes may move between the calls.
TEST(RequestHead, EverySplitOffset) {
    std::string wire =
        "POST /upload?x=1 HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\n"
        "Cookie: a=b; c=d\r\n\r\n";
    for (size_t cut = 0; cut < wire.size(); ++cut) {
        RequestParser p;
        std::string first = wire.substr(0, cut);
        ASSERT_EQ(p.parse(first).status, ParseStatus::need_more) << cut;
        std::string whole = wire;
        ParseResult r = p.parse(whole);
        ASSERT_EQ(r.status, ParseStatus::complete) << cut;
        EXPECT_EQ(p.head().target, "/upload?x=1");
        EXPECT_EQ(p.head().content_length, 5u);
        ASSERT_EQ(p.head().headers.size(), 3u);
        EXPECT_EQ(p.head().headers[2].value, "a=b; c=d");
    }
}

TEST(RequestHead, RebindFollowsMovedBytes) {
    std::string wire = "GET /x HTTP/1.1\r\nHost: a\r\n\r\n";
    RequestParser p;
    ASSERT_EQ(p.parse(wire).status, ParseStatus::complete);
    std::string moved = wire;
    wire.assign(wire.size(), '#');  // the old bytes are gone
    p.rebind(moved);
    EXPECT_EQ(p.head().target, "/x");
    EXPECT_EQ(p.head().headers[0].value, "a");
}

// Limits are checked while a line is still arriving: a slow client cannot make the
// server hold an overlong line.
TEST(RequestHead, LimitsApplyToPartialLines) {
    ParserOptions small{.limits = {.request_line = 32, .field_line = 16, .fields = 2}};
    RequestParser p(small);
    std::string line(40, 'a');
    EXPECT_EQ(p.parse("GET /" + line).error, ParseError::request_line_too_long);

    RequestParser q(small);
    EXPECT_EQ(q.parse("GET / HTTP/1.1\r\nX: " + line).error, ParseError::header_line_too_long);

    RequestParser r(small);
    EXPECT_EQ(r.parse("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n").error,
              ParseError::too_many_headers);
}

TEST(RequestHead, LimitBoundariesAreInclusive) {
    ParserOptions small{.limits = {.request_line = 16, .field_line = 10, .fields = 100}};  // 8 + CRLF
    RequestParser p(small);
    // "GET /0123456789 HTTP/1.1" is 24 bytes: over; "GET /01 HTTP/1.1" is exactly 16.
    EXPECT_EQ(p.parse("GET /01 HTTP/1.1\r\nX: 12345\r\nHost: a\r\n\r\n").status,
              ParseStatus::complete);
    RequestParser q(small);
    EXPECT_EQ(q.parse("GET /012 HTTP/1.1\r\n\r\n").error, ParseError::request_line_too_long);
    RequestParser r(small);
    EXPECT_EQ(r.parse("GET /01 HTTP/1.1\r\nX: 123456\r\n\r\n").error,
              ParseError::header_line_too_long);
}

// A slowloris client sends a byte at a time forever: the parser keeps no state that
// grows, and never rescans what it has seen (the resume hint).
TEST(RequestHead, TricklingClientHitsTheLimit) {
    RequestParser p;
    std::string wire = "GET / HTTP/1.1\r\nX-Slow: ";
    ParseResult r = p.parse(wire);
    while (r.status == ParseStatus::need_more) {
        wire.push_back('a');
        r = p.parse(wire);
    }
    EXPECT_EQ(r.error, ParseError::header_line_too_long);
    EXPECT_EQ(wire.size(), 16u + kNginxMaxFieldLine + 1);  // rejected at the first byte too many
}

TEST(RequestHead, ErrorsAreSticky) {
    RequestParser p;
    EXPECT_EQ(p.parse("BAD\0").status, ParseStatus::need_more);
    EXPECT_EQ(p.parse(std::string_view("G\0T / HTTP/1.1\r\n", 16)).error, ParseError::bad_method);
    EXPECT_EQ(p.parse("GET / HTTP/1.1\r\nHost: a\r\n\r\n").status, ParseStatus::error);
    EXPECT_FALSE(p.head().keep_alive);
}

TEST(ParseError, StatusCodes) {
    EXPECT_EQ(status_for(ParseError::bad_method), 400);
    EXPECT_EQ(status_for(ParseError::unsupported_version), 505);
    EXPECT_EQ(status_for(ParseError::unsupported_transfer_encoding), 501);
    EXPECT_EQ(status_for(ParseError::request_line_too_long), 414);
    EXPECT_EQ(status_for(ParseError::header_line_too_long), 431);
    EXPECT_EQ(status_for(ParseError::too_many_headers), 431);
    EXPECT_EQ(status_for(ParseError::body_too_large), 413);
    EXPECT_EQ(status_for(ParseError::length_and_chunked), 400);
}

}  // namespace
}  // namespace strata::http
