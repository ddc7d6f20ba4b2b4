// The upstream's head as the client gets it: what is hidden, passed, moved, rewritten.
#include "strata/web/proxy_response.h"

#include <gtest/gtest.h>

#include "strata/http/response_parser.h"

namespace strata::web {
namespace {

struct Parsed {
    std::string bytes;
    http::ResponseParser parser{"GET"};
    explicit Parsed(std::string b) : bytes(std::move(b)) {
        EXPECT_EQ(parser.parse(bytes).status, http::ParseStatus::complete);
    }
    const http::ResponseHead& head() const { return parser.head(); }
};

std::vector<std::string> names(const net::ResponseHead& head) {
    std::vector<std::string> out;
    for (const http::Header& h : head.headers)
        out.emplace_back(h.name);
    return out;
}

const std::vector<std::string> kNone;
const UpstreamHeaderRules kDefaults{kNone, kNone};

TEST(ProxyResponse, HidesAndDropsAsNginx) {
    Parsed up(
        "HTTP/1.1 200 OK\r\nServer: gunicorn\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\n"
        "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 2\r\n"
        "Content-Type: text/plain\r\nX-Accel-Redirect: /x\r\nX-Pad: a\r\nSet-Cookie: a=1\r\n"
        "Set-Cookie: b=2\r\nETag: \"1\"\r\nX-Powered-By: py\r\n\r\n");
    std::forward_list<std::string> keep;
    net::ResponseHead head = forwarded_head(up.head(), kDefaults, {}, keep);
    EXPECT_EQ(head.status, 200);
    EXPECT_TRUE(head.status_text.empty());  // the usual phrase: the front server's line
    EXPECT_TRUE(head.server.empty());
    EXPECT_TRUE(head.date.empty());
    EXPECT_EQ(names(head), (std::vector<std::string>{"Content-Type", "Set-Cookie", "Set-Cookie",
                                                     "ETag", "X-Powered-By"}));
    EXPECT_EQ(forwarded_length(up.head()), 2);
}

TEST(ProxyResponse, PassHeaderAndHideHeader) {
    Parsed up(
        "HTTP/1.1 404 Not Here\r\nServer: gunicorn\r\nDate: D\r\nX-Secret: s\r\n"
        "Transfer-Encoding: chunked\r\n\r\n");
    std::vector<std::string> hide = {"x-secret"}, pass = {"Server", "date"};
    std::forward_list<std::string> keep;
    net::ResponseHead head = forwarded_head(up.head(), {hide, pass}, {}, keep);
    EXPECT_EQ(head.status_text, "404 Not Here");
    EXPECT_EQ(head.server, "gunicorn");
    EXPECT_EQ(head.date, "D");
    EXPECT_TRUE(head.headers.empty());
    EXPECT_EQ(forwarded_length(up.head()), -1);
}

TEST(ProxyResponse, RewritesLocationIntoItsPlace) {
    Parsed up(
        "HTTP/1.1 302 Found\r\nLocation: http://backend/app/x\r\nRefresh: 0; "
        "url=http://backend/y\r\n"
        "Last-Modified: Mon, 01 Jan 2024 00:00:00 GMT\r\nContent-Length: 0\r\n\r\n");
    std::vector<RedirectRule> rules = {{"http://backend/app/", "/front/"},
                                       {"http://backend/", "/"}};
    std::forward_list<std::string> keep;
    net::ResponseHead head = forwarded_head(up.head(), kDefaults, rules, keep);
    EXPECT_EQ(head.location, "/front/x");
    ASSERT_EQ(head.headers.size(), 2u);
    EXPECT_EQ(head.headers[0].value, "0; url=/y");
    EXPECT_EQ(head.headers[1].name, "Last-Modified");  // in its place among the fields
    EXPECT_EQ(forwarded_length(up.head()), 0);
}

TEST(ProxyResponse, LocationNoRuleMatchesStaysAmongTheFields) {
    Parsed up("HTTP/1.1 301 Moved\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n");
    std::vector<RedirectRule> rules = {{"http://backend/", "/"}};
    std::forward_list<std::string> keep;
    net::ResponseHead head = forwarded_head(up.head(), kDefaults, rules, keep);
    EXPECT_TRUE(head.location.empty());
    ASSERT_EQ(head.headers.size(), 1u);
    EXPECT_EQ(head.headers[0].value, "/elsewhere");
}

TEST(ProxyResponse, NoReasonUsesOurs) {
    Parsed up("HTTP/1.1 204 \r\n\r\n");
    std::forward_list<std::string> keep;
    EXPECT_TRUE(forwarded_head(up.head(), kDefaults, {}, keep).status_text.empty());
}

TEST(ProxyResponse, HeadAnswerKeepsItsLength) {
    std::string bytes = "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n";
    http::ResponseParser parser("HEAD");
    ASSERT_EQ(parser.parse(bytes).status, http::ParseStatus::complete);
    EXPECT_EQ(forwarded_length(parser.head()), 1234);
}

TEST(ProxyResponse, CloseFramedBodyHasNoLength) {
    Parsed up("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n");
    EXPECT_EQ(forwarded_length(up.head()), -1);
}

}  // namespace
}  // namespace strata::web
