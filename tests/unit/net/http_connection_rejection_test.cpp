// The connection's own refusals reach the handler (HttpHandler::reject) with what was
// received, and the options a handler sets for a request (Exchange::set_options,
// HttpHandler::body_options) or a listening socket carries decide the connection's
// behaviour.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "strata/net/http_connection.h"
#include "strata/net/http_server.h"
#include "strata/net/listener.h"

namespace strata::net {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint64_t kHeaderTimeoutMs = 200;

// What reject() was called with, copied (its views die with the call).
struct SeenRejection {
    int status = 0;
    Rejection::Stage stage = Rejection::Stage::head;
    bool respond = false;
    std::string request_line, method, host;
    uint64_t head_bytes = 0;
};

// Answers "ok" under the options named by the target ("/close" keepalive 0, "/header"
// a Keep-Alive value, "/quiet" another Server token); bodies to "/small…" may be 5 bytes.
class ScopingHandler final : public HttpHandler {
  public:
    ScopingHandler() {
        no_keepalive.keepalive_timeout_ms = 0;
        with_header.keepalive_header = "timeout=7";
        quiet.server_token = "quiet";
        small_body.body_limit = 5;
    }

    void handle(Exchange& exchange) override {
        std::string_view target = exchange.request().target;
        if (target == "/close") exchange.set_options(no_keepalive);
        if (target == "/header") exchange.set_options(with_header);
        if (target == "/quiet") exchange.set_options(quiet);
        exchange.respond(ResponseHead{}, "ok");
    }

    const RequestOptions* body_options(const http::RequestHead& head,
                                       const ListenerInfo&) override {
        return head.target.starts_with("/small") ? &small_body : nullptr;
    }

    void reject(Exchange& exchange, const Rejection& r) override {
        {
            std::lock_guard lock(mutex);
            seen.push_back({r.status, r.stage, r.respond, std::string(r.request_line),
                            std::string(exchange.request().method),
                            std::string(exchange.request().host), r.head_bytes});
        }
        HttpHandler::reject(exchange, r);
    }

    std::vector<SeenRejection> rejections() {
        std::lock_guard lock(mutex);
        return seen;
    }

    RequestOptions no_keepalive, with_header, quiet, small_body;
    std::mutex mutex;
    std::vector<SeenRejection> seen;
};

class RejectionTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto opened = open_listener(ListenAddress{"127.0.0.1", 0, ""}, ListenOptions{});
        ASSERT_TRUE(opened.ok()) << opened.error();
        listen_fd_ = *opened;
        port_ = bound_port(listen_fd_);
        HttpOptions options;
        options.client_header_timeout_ms = 60'000;  // the listener's own must win
        server_ = std::make_unique<HttpServer>(loop_, handler_, options);
        ListenerOptions listener{options, request_options_of(options), nullptr};
        listener.http.client_header_timeout_ms = kHeaderTimeoutMs;
        listener.http.parser.limits.request_line = 64;
        listener.request.server_token = "listener";
        server_->set_listener_options(3, listener);
        server_->listen(listen_fd_, 3);
        thread_ = std::thread([this] { loop_.run(); });
    }

    void TearDown() override {
        loop_.stop();
        thread_.join();
        server_.reset();
        ::close(listen_fd_);
    }

    // Sends `bytes` (then shuts the write side if `shut`) and reads until the server
    // closes or 3 s pass.
    std::string exchange(std::string_view bytes, bool shut = false) {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port_);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        if (!bytes.empty()) {
            EXPECT_EQ(::send(fd, bytes.data(), bytes.size(), 0), ssize_t(bytes.size()));
        }
        if (shut) ::shutdown(fd, SHUT_WR);
        std::string reply;
        auto deadline = Clock::now() + std::chrono::seconds(3);
        char buffer[4096];
        while (Clock::now() < deadline) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
            if (n <= 0) break;
            reply.append(buffer, static_cast<size_t>(n));
        }
        ::close(fd);
        return reply;
    }

    ScopingHandler handler_;
    EventLoop loop_;
    std::unique_ptr<HttpServer> server_;
    std::thread thread_;
    int listen_fd_ = -1;
    uint16_t port_ = 0;
};

TEST_F(RejectionTest, BadRequestLineReachesTheHandlerAsReceived) {
    std::string reply = exchange("\r\nGeT /a HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 400 ")) << reply;
    EXPECT_NE(reply.find("Server: listener\r\n"), std::string::npos) << reply;
    auto seen = handler_.rejections();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].status, 400);
    EXPECT_TRUE(seen[0].respond);
    EXPECT_EQ(seen[0].stage, Rejection::Stage::head);
    EXPECT_EQ(seen[0].request_line, "GeT /a HTTP/1.1");
    EXPECT_EQ(seen[0].method, "");  // the line itself failed
}

TEST_F(RejectionTest, HeaderErrorKeepsWhatWasParsedBeforeIt) {
    exchange("GET /x HTTP/1.1\r\nHost: example\r\nBad : v\r\n\r\n");
    auto seen = handler_.rejections();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].method, "GET");
    EXPECT_EQ(seen[0].host, "example");
    EXPECT_EQ(seen[0].request_line, "GET /x HTTP/1.1");
    EXPECT_EQ(seen[0].head_bytes, 32u);  // the lines before the bad one
}

TEST_F(RejectionTest, LongRequestLineIsCutAtTheListenersLimit) {
    std::string reply = exchange("GET /" + std::string(100, 'a') + " HTTP/1.1\r\n\r\n");
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 414 ")) << reply;
    auto seen = handler_.rejections();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].request_line, "GET /" + std::string(59, 'a'));
}

TEST_F(RejectionTest, PartialHeadAtTheListenersHeaderTimeoutIsRecordedNotAnswered) {
    auto began = Clock::now();
    std::string reply = exchange("GET / HT");
    EXPECT_EQ(reply, "");
    EXPECT_LT(Clock::now() - began, std::chrono::milliseconds(2000));
    auto seen = handler_.rejections();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].status, 408);
    EXPECT_FALSE(seen[0].respond);
    EXPECT_EQ(seen[0].request_line, "GET / HT");
}

TEST_F(RejectionTest, ClientLeavingMidHeadIsRecordedAs400) {
    EXPECT_EQ(exchange("GET / HTTP/1.1\r\nHost: h\r\nX-A", true), "");
    auto seen = handler_.rejections();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].status, 400);
    EXPECT_FALSE(seen[0].respond);
    EXPECT_EQ(seen[0].host, "h");
}

TEST_F(RejectionTest, ConnectionThatSentNothingIsNotRecorded) {
    EXPECT_EQ(exchange("", true), "");
    EXPECT_EQ(exchange(""), "");  // the header timeout passes in silence
    EXPECT_TRUE(handler_.rejections().empty());
}

TEST_F(RejectionTest, BodyLimitIsTheRequestsOwn) {
    std::string small = exchange("POST /small HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\n\r\n");
    EXPECT_TRUE(small.starts_with("HTTP/1.1 413 ")) << small;
    auto seen = handler_.rejections();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].stage, Rejection::Stage::body);
    std::string other = exchange(
        "POST /other HTTP/1.1\r\nHost: h\r\nConnection: close\r\nContent-Length: 6\r\n\r\nabcdef");
    EXPECT_TRUE(other.starts_with("HTTP/1.1 200 ")) << other;
}

TEST_F(RejectionTest, ChunkedBodyOverTheRequestsLimitIs413) {
    std::string reply = exchange(
        "POST /small HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: "
        "chunked\r\n\r\n6\r\nabcdef\r\n0\r\n\r\n");
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 413 ")) << reply;
}

TEST_F(RejectionTest, KeepaliveTimeoutZeroClosesAfterTheResponse) {
    std::string reply =
        exchange("GET /close HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_NE(reply.find("Connection: close\r\n"), std::string::npos) << reply;
    EXPECT_EQ(reply.find("HTTP/1.1", 1), std::string::npos) << "a second response: " << reply;
}

TEST_F(RejectionTest, KeepAliveFieldFollowsConnection) {
    std::string reply = exchange(
        "GET /header HTTP/1.1\r\nHost: h\r\n\r\n"
        "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    EXPECT_NE(reply.find("Connection: keep-alive\r\nKeep-Alive: timeout=7\r\n"), std::string::npos)
        << reply;
    // The next request starts again from the listener's options.
    EXPECT_EQ(reply.find("Keep-Alive:", reply.find("HTTP/1.1 200", 1)), std::string::npos) << reply;
}

TEST_F(RejectionTest, ServerFieldFollowsTheRequestsOptions) {
    std::string reply = exchange("GET /quiet HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    EXPECT_NE(reply.find("Server: quiet\r\n"), std::string::npos) << reply;
}

}  // namespace
}  // namespace strata::net
