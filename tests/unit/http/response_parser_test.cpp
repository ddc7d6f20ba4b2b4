// The response-head parser on good and bad heads, whole, byte by byte and in random
// splits, plus partial input and the head limits.
#include "strata/http/response_parser.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <utility>
#include <vector>

namespace strata::http {
namespace {

using namespace std::string_view_literals;
using E = ParseError;

// What a parse ended with, copied out of the parser so runs can be compared.
struct Outcome {
    ParseStatus status = ParseStatus::need_more;
    ParseError error = E::none;
    size_t consumed = 0;
    uint16_t code = 0;
    std::string reason;
    std::vector<std::pair<std::string, std::string>> headers;

    bool operator==(const Outcome&) const = default;
};

// Feeds `wire` in pieces of the given sizes (the rest in one piece), each call with
// everything so far in a fresh copy: the bytes move in memory between calls.
Outcome feed(std::string_view wire, const std::vector<size_t>& pieces = {},
             std::string_view method = "GET", ResponseLimits limits = {}) {
    ResponseParser p(method, limits);
    Outcome out;
    size_t fed = 0;
    for (size_t i = 0; fed < wire.size() || i == 0; ++i) {
        fed = i < pieces.size() ? std::min(wire.size(), fed + pieces[i]) : wire.size();
        std::string moved(wire.substr(0, fed));
        ParseResult r = p.parse(moved);
        out.status = r.status;
        out.error = r.error;
        if (r.status == ParseStatus::error) return out;
        if (r.status == ParseStatus::complete) {
            out.consumed = r.consumed;
            out.code = p.head().status;
            out.reason = p.head().reason;
            for (const Header& h : p.head().headers)
                out.headers.emplace_back(h.name, h.value);
            return out;
        }
    }
    return out;
}

ParseError result_of(const Outcome& o) {
    return o.status == ParseStatus::need_more ? E::none : o.error;
}

struct Case {
    std::string_view wire;
    ParseError expected;  // none: the head is complete
};

// One line per case: a response head as an upstream might send it, and how it must end.
const Case kCases[] = {
    {"HTTP/1.1 200 OK\r\n\r\n"sv, E::none},
    {"HTTP/1.0 200 OK\r\n\r\n"sv, E::none},
    {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"sv, E::none},  // body follows
    {"HTTP/1.1 404 Not Found\r\nServer: x\r\nX-A: 1\r\nx-a: 2\r\n\r\n"sv, E::none},
    {"HTTP/1.1 200 \r\n\r\n"sv, E::none},  // empty reason
    {"HTTP/1.1 200\r\n\r\n"sv, E::none},   // no SP before the (empty) reason, as nginx takes
    {"HTTP/1.1 599 Whatever It Says\r\n\r\n"sv, E::none},
    {"HTTP/1.1 100 Continue\r\n\r\n"sv, E::none},
    {"HTTP/1.1 200 caf\xc3\xa9\tok\r\n\r\n"sv, E::none},  // obs-text and HTAB in the reason
    {"HTTP/1.1 200 OK\r\nX: \t v \t\r\n\r\n"sv, E::none},
    {"HTTP/1.1 200 OK\r\nX:\r\n\r\n"sv, E::none},
    {"HTTP/1.1 200 OK\r\nX_Under: kept\r\n\r\n"sv, E::none},  // nginx keeps them from upstreams
    {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"sv, E::none},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: identity, chunked\r\n\r\n"sv, E::none},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n\r\n"sv,
     E::none},
    {"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"sv, E::none},
    // no status line: HTTP/0.9-style bodies and anything that is not HTTP
    {"<html>hello</html>\r\n"sv, E::bad_status_line},
    {"<"sv, E::bad_status_line},  // refused at its first byte, not at a line end
    {"HTTX"sv, E::bad_status_line},
    {"\r\nHTTP/1.1 200 OK\r\n\r\n"sv, E::bad_status_line},  // no empty line before it
    {" HTTP/1.1 200 OK\r\n\r\n"sv, E::bad_status_line},
    {"http/1.1 200 OK\r\n\r\n"sv, E::bad_status_line},
    {"HTTP/1.1\r\n\r\n"sv, E::bad_status_line},
    {"HTTP/1.1 200 OK\n\r\n"sv, E::bad_status_line},  // bare LF
    {"HTTP/1.1 200 O\0K\r\n\r\n"sv, E::bad_status_line},
    {"HTTP/1.1 200 O\rK\r\n\r\n"sv, E::bad_status_line},  // bare CR
    {"HTTP/1.1 200 O\x7fK\r\n\r\n"sv, E::bad_status_line},
    // version
    {"HTTP/11 200 OK\r\n\r\n"sv, E::bad_version},
    {"HTTP/1.10 200 OK\r\n\r\n"sv, E::bad_version},
    {"HTTP/1. 200 OK\r\n\r\n"sv, E::bad_version},
    {"HTTP/1.1\t200 OK\r\n\r\n"sv, E::bad_version},
    {"HTTP/a.1 200 OK\r\n\r\n"sv, E::bad_version},
    {"HTTP/1.2 200 OK\r\n\r\n"sv, E::unsupported_version},
    {"HTTP/2.0 200 OK\r\n\r\n"sv, E::unsupported_version},
    {"HTTP/0.9 200 OK\r\n\r\n"sv, E::unsupported_version},
    // status code
    {"HTTP/1.1 \r\n\r\n"sv, E::bad_status_code},
    {"HTTP/1.1 20 OK\r\n\r\n"sv, E::bad_status_code},
    {"HTTP/1.1 2000 OK\r\n\r\n"sv, E::bad_status_code},
    {"HTTP/1.1 200OK\r\n\r\n"sv, E::bad_status_code},
    {"HTTP/1.1  200 OK\r\n\r\n"sv, E::bad_status_code},
    {"HTTP/1.1 2x0 OK\r\n\r\n"sv, E::bad_status_code},
    {"HTTP/1.1 -20 OK\r\n\r\n"sv, E::bad_status_code},
    {"HTTP/1.1 099 OK\r\n\r\n"sv, E::bad_status_code},
    {"HTTP/1.1 600 OK\r\n\r\n"sv, E::bad_status_code},
    {"HTTP/1.1 403.1 Forbidden\r\n\r\n"sv, E::bad_status_code},  // IIS's, which nginx takes
    // header fields: as strict as the request side
    {"HTTP/1.1 200 OK\r\nX : v\r\n\r\n"sv, E::bad_header_name},
    {"HTTP/1.1 200 OK\r\nX\0Y: v\r\n\r\n"sv, E::bad_header_name},
    {"HTTP/1.1 200 OK\r\n: v\r\n\r\n"sv, E::bad_header_name},
    {"HTTP/1.1 200 OK\r\nNoColon\r\n\r\n"sv, E::bad_header_name},
    {"HTTP/1.1 200 OK\r\nX\xc3\x9f: v\r\n\r\n"sv, E::bad_header_name},
    {"HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n"sv, E::bad_header_value},
    {"HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n"sv, E::bad_header_value},
    {"HTTP/1.1 200 OK\r\nX: a\x01\r\n\r\n"sv, E::bad_header_value},
    {"HTTP/1.1 200 OK\r\nX: a\x7f\r\n\r\n"sv, E::bad_header_value},
    {"HTTP/1.1 200 OK\r\nX: a\nY: b\r\n\r\n"sv, E::bad_header_value},  // bare LF
    {"HTTP/1.1 200 OK\r\nX: a\r\n\n"sv, E::bad_header_value},          // bare LF ends the head
    {"HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n"sv, E::obsolete_folding},
    {"HTTP/1.1 200 OK\r\n X: a\r\n\r\n"sv, E::obsolete_folding},
    // framing
    {"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 2\r\n\r\n"sv, E::bad_content_length},
    {"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"sv, E::bad_content_length},
    {"HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\n"sv, E::bad_content_length},
    {"HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n"sv, E::bad_content_length},
    {"HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n"sv, E::bad_content_length},
    {"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n"sv, E::bad_content_length},
    {"HTTP/1.1 304 Not Modified\r\nContent-Length: x\r\n\r\n"sv, E::bad_content_length},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, identity\r\n\r\n"sv, E::bad_transfer_encoding},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"sv,
     E::bad_transfer_encoding},
    {"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"sv, E::bad_transfer_encoding},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"sv,
     E::unsupported_transfer_encoding},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: xchunked\r\n\r\n"sv, E::unsupported_transfer_encoding},
};

class ResponseTable : public testing::TestWithParam<Case> {};

std::string shown(std::string_view wire) {
    return testing::PrintToString(std::string(wire));
}

TEST_P(ResponseTable, WholeInput) {
    const Case& c = GetParam();
    Outcome o = feed(c.wire);
    EXPECT_EQ(result_of(o), c.expected) << shown(c.wire) << ": " << describe(o.error);
    if (c.expected == E::none) {
        EXPECT_EQ(o.status, ParseStatus::complete) << shown(c.wire);
        EXPECT_EQ(o.consumed, c.wire.find("\r\n\r\n") + 4) << shown(c.wire);
    }
}

// Every case must end exactly the same way when its bytes arrive one at a time.
TEST_P(ResponseTable, OneByteAtATime) {
    const Case& c = GetParam();
    EXPECT_EQ(feed(c.wire, std::vector<size_t>(c.wire.size(), 1)), feed(c.wire)) << shown(c.wire);
}

// ...and in random splits.
TEST_P(ResponseTable, RandomSplits) {
    const Case& c = GetParam();
    std::mt19937 random(static_cast<unsigned>(c.wire.size()));
    for (int round = 0; round < 20; ++round) {
        std::vector<size_t> pieces;
        for (size_t n = 0; n < c.wire.size();) {
            size_t piece = std::uniform_int_distribution<size_t>(1, 8)(random);
            pieces.push_back(piece);
            n += piece;
        }
        EXPECT_EQ(feed(c.wire, pieces), feed(c.wire)) << shown(c.wire) << " round " << round;
    }
}

INSTANTIATE_TEST_SUITE_P(Cases, ResponseTable, testing::ValuesIn(kCases));

TEST(ResponseParser, GivesViewsInOrder) {
    Outcome o = feed("HTTP/1.1 404 Not  Found \r\nServer: up\r\nX-A:  1 \r\nx-a: 2\r\n\r\n");
    ASSERT_EQ(o.status, ParseStatus::complete);
    EXPECT_EQ(o.code, 404);
    EXPECT_EQ(o.reason, "Not  Found ");  // as sent
    std::vector<std::pair<std::string, std::string>> expected = {
        {"Server", "up"}, {"X-A", "1"}, {"x-a", "2"}};
    EXPECT_EQ(o.headers, expected);
}

TEST(ResponseParser, PartialInputWaits) {
    for (std::string_view partial :
         {""sv, "H"sv, "HTTP/"sv, "HTTP/1.1 200 OK"sv, "HTTP/1.1 200 OK\r"sv,
          "HTTP/1.1 200 OK\r\n"sv, "HTTP/1.1 200 OK\r\nX: y"sv, "HTTP/1.1 200 OK\r\nX: y\r\n"sv,
          "HTTP/1.1 200 OK\r\nX: y\r\n\r"sv}) {
        ResponseParser p("GET");
        EXPECT_EQ(p.parse(partial).status, ParseStatus::need_more) << shown(partial);
    }
}

TEST(ResponseParser, ErrorIsSticky) {
    ResponseParser p("GET");
    EXPECT_EQ(p.parse("HTTP/1.1 2000").status, ParseStatus::need_more);
    EXPECT_EQ(p.parse("HTTP/1.1 2000 OK\r\n").error, E::bad_status_code);
    EXPECT_EQ(p.parse("HTTP/1.1 200 OK\r\n\r\n").error, E::bad_status_code);
    EXPECT_FALSE(p.head().keep_alive);
}

// A head of `size` bytes with filler fields.
std::string head_of_size(size_t size) {
    std::string head = "HTTP/1.1 200 OK\r\n";
    while (head.size() + 2 < size) {
        // Lines of at most 200 bytes, none shorter than "X: v" CRLF.
        size_t remaining = size - 2 - head.size();
        size_t line = remaining <= 200 ? remaining : remaining - 200 >= 6 ? 200 : 100;
        head += "X: " + std::string(line - 5, 'v') + "\r\n";
    }
    head += "\r\n";
    return head;
}

TEST(ResponseParser, HeadLimitIsProxyBufferSize) {
    EXPECT_EQ(ResponseLimits{}.head, 4096u);
    std::string fits = head_of_size(4096);
    ASSERT_EQ(fits.size(), 4096u);
    EXPECT_EQ(feed(fits).status, ParseStatus::complete);
    std::string over = head_of_size(4097);
    ASSERT_EQ(over.size(), 4097u);
    EXPECT_EQ(feed(over).error, E::response_head_too_large);
    EXPECT_EQ(feed(over, std::vector<size_t>(over.size(), 1)).error, E::response_head_too_large);
    // An endless line is refused once it passes the limit, not when it ends.
    std::string endless = "HTTP/1.1 200 OK\r\nX: " + std::string(5000, 'v');
    ResponseParser p("GET");
    EXPECT_EQ(p.parse(std::string_view(endless).substr(0, 4096)).status, ParseStatus::need_more);
    EXPECT_EQ(p.parse(std::string_view(endless).substr(0, 4097)).error, E::response_head_too_large);
}

TEST(ResponseParser, HeadLimitIsConfigurable) {
    std::string head = head_of_size(8192);
    EXPECT_EQ(feed(head).error, E::response_head_too_large);
    EXPECT_EQ(feed(head, {}, "GET", ResponseLimits{8192}).status, ParseStatus::complete);
    EXPECT_EQ(feed(head_of_size(8193), {}, "GET", ResponseLimits{8192}).error,
              E::response_head_too_large);
}

TEST(ResponseParser, FieldCountLimit) {
    auto with_fields = [](size_t n) {
        std::string head = "HTTP/1.1 200 OK\r\n";
        for (size_t i = 0; i < n; ++i)
            head += "X:\r\n";
        return head + "\r\n";
    };
    EXPECT_EQ(feed(with_fields(kMaxResponseFields)).status, ParseStatus::complete);
    EXPECT_EQ(feed(with_fields(kMaxResponseFields + 1)).error, E::too_many_headers);
    EXPECT_EQ(feed(with_fields(3), {}, "GET", ResponseLimits{kNginxProxyBufferSize, 2}).error,
              E::too_many_headers);
}

TEST(ResponseParser, InterimThenFinalOnOneBuffer) {
    std::string wire =
        "HTTP/1.1 100 Continue\r\n\r\n"
        "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    ResponseParser p("POST");
    std::string_view rest = wire;
    std::vector<uint16_t> statuses;
    for (;;) {
        ParseResult r = p.parse(rest);
        ASSERT_EQ(r.status, ParseStatus::complete) << describe(r.error);
        statuses.push_back(p.head().status);
        rest.remove_prefix(r.consumed);
        if (!p.head().interim) break;
        EXPECT_EQ(p.head().body, ResponseBody::none);
        p.next_response();
    }
    EXPECT_EQ(statuses, (std::vector<uint16_t>{100, 103, 200}));
    EXPECT_EQ(p.head().body, ResponseBody::length);
    EXPECT_EQ(p.head().find("content-length"), "2");
    EXPECT_EQ(rest, "ok");
}

TEST(ResponseParser, ResetStartsANewExchange) {
    ResponseParser p("HEAD");
    ASSERT_EQ(p.parse("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n").status,
              ParseStatus::complete);
    EXPECT_EQ(p.head().body, ResponseBody::none);
    p.reset("GET");
    ASSERT_EQ(p.parse("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n").status,
              ParseStatus::complete);
    EXPECT_EQ(p.head().body, ResponseBody::length);
    EXPECT_EQ(p.head().headers.size(), 1u);
}

TEST(ResponseParser, RebindFollowsMovedBytes) {
    std::string wire = "HTTP/1.1 201 Created\r\nLocation: /x\r\n\r\n";
    ResponseParser p("POST");
    ASSERT_EQ(p.parse(wire).status, ParseStatus::complete);
    std::string moved = wire;
    wire.assign(wire.size(), '#');
    p.rebind(moved);
    EXPECT_EQ(p.head().reason, "Created");
    EXPECT_EQ(p.head().find("Location"), "/x");
}

}  // namespace
}  // namespace strata::http
