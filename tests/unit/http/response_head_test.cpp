// What the response parser derives from a head: body framing (RFC 9112 §6.3) given the
// request's method, persistence, and the flags a proxy needs.
#include <gtest/gtest.h>

#include <string>

#include "strata/http/response_parser.h"

namespace strata::http {
namespace {

using B = ResponseBody;

struct Framing {
    const char* method;
    const char* wire;
    ResponseBody body;
    uint64_t content_length;
    bool keep_alive;
    bool interim = false;
    bool length_and_chunked = false;
};

void PrintTo(const Framing& f, std::ostream* os) {
    *os << f.method << " " << testing::PrintToString(std::string(f.wire));
}

// One line per case: method × status × fields → body, Content-Length, keep-alive.
const Framing kFraming[] = {
    {"GET", "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n", B::length, 12, true},
    {"GET", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", B::none, 0, true},
    {"GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", B::chunked, 0, true},
    {"GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: CHUNKED\r\n\r\n", B::chunked, 0, true},
    {"GET", "HTTP/1.1 200 OK\r\n\r\n", B::until_close, 0, false},
    {"GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\n", B::until_close, 0, false},
    {"GET", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
     B::chunked, 3, false, false, true},
    {"GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
     B::chunked, 3, false, false, true},
    {"HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", B::none,
     3, false, false, true},
    // no body, whatever the fields say
    {"HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n", B::none, 12, true},
    {"HEAD", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", B::none, 0, true},
    {"HEAD", "HTTP/1.1 200 OK\r\n\r\n", B::none, 0, true},
    {"HEAD", "HTTP/1.1 404 Not Found\r\n\r\n", B::none, 0, true},
    {"GET", "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", B::none, 5, true},
    {"GET", "HTTP/1.1 204 No Content\r\n\r\n", B::none, 0, true},
    {"GET", "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n", B::none, 5, true},
    {"GET", "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", B::none, 0, true},
    {"GET", "HTTP/1.1 205 Reset Content\r\nContent-Length: 0\r\n\r\n", B::none, 0, true},
    {"POST", "HTTP/1.1 100 Continue\r\n\r\n", B::none, 0, true, true},
    {"GET", "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n", B::none, 0, true, true},
    {"GET", "HTTP/1.1 199 Whatever\r\n\r\n", B::none, 0, true, true},
    {"GET", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", B::none, 0, false},
    {"CONNECT", "HTTP/1.1 200 Connection Established\r\n\r\n", B::none, 0, false},
    {"CONNECT", "HTTP/1.1 407 Proxy Auth\r\nContent-Length: 2\r\n\r\n", B::length, 2, true},
    {"POST", "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n", B::length, 2, true},
    {"GET", "HTTP/1.1 500 Oops\r\n\r\n", B::until_close, 0, false},
    // persistence: version and Connection
    {"GET", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n", B::length, 1,
     false},
    {"GET", "HTTP/1.1 200 OK\r\nConnection: Upgrade, CLOSE\r\nContent-Length: 1\r\n\r\n", B::length,
     1, false},
    {"GET", "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\n", B::length, 1,
     true},
    {"GET", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", B::length, 1, false},
    {"GET", "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\n", B::length, 1,
     true},
    {"GET", "HTTP/1.0 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 1\r\n\r\n",
     B::length, 1, false},
    {"GET", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n", B::until_close, 0, false},
    {"HEAD", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n", B::none, 0, true},
    {"GET", "HTTP/1.0 304 Not Modified\r\n\r\n", B::none, 0, false},
};

class ResponseFraming : public testing::TestWithParam<Framing> {};

TEST_P(ResponseFraming, FollowsMethodStatusAndFields) {
    const Framing& f = GetParam();
    ResponseParser p(f.method);
    std::string wire = f.wire;
    ParseResult r = p.parse(wire);
    ASSERT_EQ(r.status, ParseStatus::complete) << describe(r.error);
    EXPECT_EQ(r.consumed, wire.size());
    const ResponseHead& h = p.head();
    EXPECT_EQ(h.body, f.body);
    EXPECT_EQ(h.content_length, f.content_length);
    EXPECT_EQ(h.has_content_length, wire.find("Content-Length") != std::string::npos);
    EXPECT_EQ(h.keep_alive, f.keep_alive);
    EXPECT_EQ(h.interim, f.interim);
    EXPECT_EQ(h.length_and_chunked, f.length_and_chunked);
    EXPECT_EQ(h.head_size, wire.size());
}

INSTANTIATE_TEST_SUITE_P(Table, ResponseFraming, testing::ValuesIn(kFraming));

TEST(ResponseHead, VersionAndFind) {
    ResponseParser p("GET");
    ASSERT_EQ(p.parse("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n").status,
              ParseStatus::complete);
    EXPECT_EQ(p.head().version, Version::http10);
    EXPECT_EQ(p.head().find("CONTENT-TYPE"), "text/plain");
    EXPECT_EQ(p.head().find("missing"), "");
}

}  // namespace
}  // namespace strata::http
