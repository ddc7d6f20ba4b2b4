#include "strata/net/http_connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "strata/net/http_server.h"
#include "strata/net/listener.h"

namespace strata::net {
namespace {

using Clock = std::chrono::steady_clock;

// Short timeouts keep the file fast. Checks on the early side are strict; checks on the
// late side are generous, for a loaded machine running sanitizers.
constexpr uint64_t kTimeoutMs = 200;
constexpr int64_t kLateMs = 5 * static_cast<int64_t>(kTimeoutMs);
// The loop's clock counts whole milliseconds, so its deadline can fall up to 1 ms before
// the same deadline measured on a finer clock.
constexpr int64_t kClockGrainMs = 1;
// A client read that waits longer than this fails the test instead of hanging it.
constexpr int kReceiveTimeoutMs = 5000;

int64_t ms_since(Clock::time_point start) {
    auto elapsed = Clock::now() - start;
    return std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
}

void sleep_ms(int64_t ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

// The number after `key=` in a target's query, or 0.
uint64_t query_number(std::string_view target, std::string_view key) {
    size_t query = target.find('?');
    if (query == std::string_view::npos) return 0;
    std::string needle = std::string(key) + "=";
    size_t at = target.find(needle, query);
    if (at == std::string_view::npos) return 0;
    return std::strtoull(std::string(target.substr(at + needle.size())).c_str(), nullptr, 10);
}

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

// "METHOD TARGET BODY-SIZE", then `pad=N` dots: the client can tell responses apart and
// ask for a body of any size.
std::string echo_text(const Exchange& exchange) {
    const http::RequestHead& head = exchange.request();
    std::string text = std::string(head.method) + " " + std::string(head.target) + " " +
                       std::to_string(exchange.body().size());
    text.append(query_number(head.target, "pad"), '.');
    return text;
}

// Answers by target: "/late?ms=N" holds the exchange and answers N ms later from a loop
// timer (as an asynchronous handler would), "/file" sends `file_path` with respond_file,
// anything else gets echo_text() at once.
class TestHandler final : public HttpHandler {
  public:
    explicit TestHandler(EventLoop& loop) : loop_(loop) {}

    void handle(Exchange& exchange) override {
        ++handled;
        std::string_view target = exchange.request().target;
        if (starts_with(target, "/late")) return respond_later(exchange);
        if (starts_with(target, "/file")) return respond_with_file(exchange);
        exchange.respond(ResponseHead{}, echo_text(exchange));
    }

    std::string file_path;
    uint64_t file_size = 0;
    std::atomic<uint64_t> handled{0};  // read by the test's thread

  private:
    void respond_later(Exchange& exchange) {
        auto& timer = late_.emplace_back(std::make_unique<Timer>());
        timer->set_callback([&exchange] { exchange.respond(ResponseHead{}, echo_text(exchange)); });
        loop_.arm(*timer, query_number(exchange.request().target, "ms"));
    }

    void respond_with_file(Exchange& exchange) {
        int fd = ::open(file_path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return exchange.respond_error(500);
        exchange.respond_file(ResponseHead{}, fd, 0, file_size);
    }

    EventLoop& loop_;
    // Kept until the handler goes: a firing timer must not free itself.
    std::deque<std::unique_ptr<Timer>> late_;
};

struct Response {
    int status = 0;
    std::string head;
    std::string body;

    // The value of a response header (names as the server writes them), or "".
    std::string header(std::string_view name) const {
        std::string needle = "\r\n" + std::string(name) + ": ";
        size_t at = head.find(needle);
        if (at == std::string::npos) return "";
        size_t start = at + needle.size();
        return head.substr(start, head.find("\r\n", start) - start);
    }
};

// How a wait for the server to close ended.
struct Closing {
    bool closed = false;  // EOF or reset seen (false: the receive timeout ran out)
    int64_t ms = 0;       // since the start given
    std::string data;     // bytes read before the end
};

// A blocking client socket with a receive timeout, reading responses off the wire.
class Client {
  public:
    // `receive_buffer` > 0 shrinks SO_RCVBUF (before connect, so the window is small).
    explicit Client(uint16_t port, int receive_buffer = 0, int send_buffer = 0) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        EXPECT_GE(fd_, 0);
        if (receive_buffer > 0) set_option(SOL_SOCKET, SO_RCVBUF, receive_buffer);
        if (send_buffer > 0) set_option(SOL_SOCKET, SO_SNDBUF, send_buffer);
        set_option(IPPROTO_TCP, TCP_NODELAY, 1);  // tests send single bytes on purpose
        timeval timeout{kReceiveTimeoutMs / 1000, 0};
        EXPECT_EQ(setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout), 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        EXPECT_EQ(::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0)
            << strerror(errno);
    }
    ~Client() { ::close(fd_); }
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    int fd() const { return fd_; }

    // Sends everything; false when the server has gone (EPIPE, ECONNRESET).
    bool send(std::string_view bytes) {
        while (!bytes.empty()) {
            ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return false;
            bytes.remove_prefix(static_cast<size_t>(n));
        }
        return true;
    }

    // Sends what the socket takes now, without blocking; -1 when the server has gone.
    ssize_t send_some(std::string_view bytes) {
        ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return 0;
        return n;
    }

    // The next response; `head_request` when it answers HEAD (a length but no body).
    // Status 0 when the connection ended first.
    Response read_response(bool head_request = false) {
        Response r;
        size_t end;
        while ((end = buffered_.find("\r\n\r\n")) == std::string::npos)
            if (!fill()) return r;
        r.head = buffered_.substr(0, end + 2);
        buffered_.erase(0, end + 4);
        r.status = std::atoi(r.head.substr(r.head.find(' ') + 1).c_str());
        size_t length = head_request ? 0 : std::stoul("0" + r.header("Content-Length"));
        while (buffered_.size() < length)
            if (!fill()) return Response{};
        r.body = buffered_.substr(0, length);
        buffered_.erase(0, length);
        return r;
    }

    // Reads until the server closes (EOF or reset) or the receive timeout ends.
    Closing wait_closed(Clock::time_point start) {
        Closing c;
        c.data = std::move(buffered_);
        buffered_.clear();
        char chunk[65536];
        for (;;) {
            ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n > 0) {
                c.data.append(chunk, static_cast<size_t>(n));
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            c.closed = n == 0 || errno == ECONNRESET;
            c.ms = ms_since(start);
            return c;
        }
    }

    // True when the server has closed, looking only at what already arrived.
    bool closed_now() {
        char byte;
        ssize_t n = ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        return n == 0 || (n < 0 && errno == ECONNRESET);
    }

    void shutdown_writes() { EXPECT_EQ(::shutdown(fd_, SHUT_WR), 0); }

  private:
    void set_option(int level, int name, int value) {
        EXPECT_EQ(setsockopt(fd_, level, name, &value, sizeof value), 0);
    }

    bool fill() {
        char chunk[65536];
        ssize_t n;
        do {
            n = ::recv(fd_, chunk, sizeof chunk, 0);
        } while (n < 0 && errno == EINTR);
        if (n <= 0) return false;
        buffered_.append(chunk, static_cast<size_t>(n));
        return true;
    }

    int fd_ = -1;
    std::string buffered_;
};

std::string get(std::string_view target, std::string_view extra_headers = "") {
    return "GET " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n" +
           std::string(extra_headers) + "\r\n";
}

std::string post_head(std::string_view target, uint64_t length) {
    return "POST " + std::string(target) +
           " HTTP/1.1\r\nHost: test\r\nContent-Length: " + std::to_string(length) + "\r\n\r\n";
}

HttpOptions short_timeouts() {
    HttpOptions o;
    o.client_header_timeout_ms = kTimeoutMs;
    o.client_body_timeout_ms = kTimeoutMs;
    o.keepalive_timeout_ms = kTimeoutMs;
    o.send_timeout_ms = kTimeoutMs;
    o.lingering_time_ms = 3000;
    o.lingering_timeout_ms = 1000;
    return o;
}

// A real server on a real loop in its own thread, fed by blocking clients in the test's
// thread. The loop, server and handler are built here, then used from the loop's thread
// only (through post()) until the thread is joined.
class HttpConnectionTest : public ::testing::Test {
  protected:
    void start(const HttpOptions& options = short_timeouts()) {
        auto opened = open_listener(ListenAddress{"127.0.0.1", 0, ""}, ListenOptions{});
        ASSERT_TRUE(opened.ok()) << opened.error();
        listen_fd_ = *opened;
        port_ = bound_port(listen_fd_);
        server_ = std::make_unique<HttpServer>(loop_, handler_, options);
        server_->listen(listen_fd_);
        thread_ = std::thread([this] { loop_.run(); });
    }

    void TearDown() override {
        if (thread_.joinable()) {
            loop_.stop();
            thread_.join();
        }
        server_.reset();
        if (listen_fd_ >= 0) ::close(listen_fd_);
    }

    size_t connection_count() {
        std::promise<size_t> count;
        std::future<size_t> result = count.get_future();
        loop_.post([&] { count.set_value(server_->connection_count()); });
        return result.get();
    }

    // Ms from `start` until the server holds no connection, or -1 after `limit_ms`.
    int64_t ms_until_no_connections(Clock::time_point start, int64_t limit_ms) {
        while (ms_since(start) < limit_ms) {
            if (connection_count() == 0) return ms_since(start);
            sleep_ms(5);
        }
        return -1;
    }

    EventLoop loop_;
    TestHandler handler_{loop_};
    std::unique_ptr<HttpServer> server_;
    std::thread thread_;
    int listen_fd_ = -1;
    uint16_t port_ = 0;
};

// --- client_header_timeout ---

TEST_F(HttpConnectionTest, PartialHeadIsClosedAtTheHeaderTimeout) {
    start();
    Client client(port_);
    auto start_time = Clock::now();
    ASSERT_TRUE(client.send("GET / HTTP/1.1\r\nHost: test\r\n"));
    Closing c = client.wait_closed(start_time);
    ASSERT_TRUE(c.closed);
    EXPECT_GE(c.ms, static_cast<int64_t>(kTimeoutMs) - kClockGrainMs);
    EXPECT_LE(c.ms, kLateMs);
    EXPECT_EQ(c.data, "");  // nginx answers a slow client with silence, not a 408
}

TEST_F(HttpConnectionTest, TricklingHeadDoesNotExtendTheHeaderTimeout) {
    start();
    Client client(port_);
    // Long enough that, were each byte to re-arm the timer, the test would run out of
    // head long after the timeout.
    std::string head = get("/", "X-Padding: " + std::string(200, 'a') + "\r\n");
    auto start_time = Clock::now();
    int64_t closed_ms = -1;
    for (char byte : head) {
        if (!client.send(std::string_view(&byte, 1)) || client.closed_now()) {
            closed_ms = ms_since(start_time);
            break;
        }
        pollfd p{client.fd(), POLLIN, 0};
        if (::poll(&p, 1, 50) > 0 && client.closed_now()) {
            closed_ms = ms_since(start_time);
            break;
        }
    }
    ASSERT_GE(closed_ms, 0) << "the whole head was trickled in without a timeout";
    EXPECT_GE(closed_ms, static_cast<int64_t>(kTimeoutMs) - kClockGrainMs);
    EXPECT_LE(closed_ms, kLateMs);
}

// --- keepalive_timeout ---

TEST_F(HttpConnectionTest, IdleKeepAliveConnectionIsClosedAtTheKeepaliveTimeout) {
    start();
    Client client(port_);
    auto start_time = Clock::now();  // before the request: the timer starts after it
    ASSERT_TRUE(client.send(get("/a")));
    Response r = client.read_response();
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.header("Connection"), "keep-alive");
    Closing c = client.wait_closed(start_time);
    ASSERT_TRUE(c.closed);
    EXPECT_GE(c.ms, static_cast<int64_t>(kTimeoutMs) - kClockGrainMs);
    EXPECT_LE(c.ms, kLateMs);
    EXPECT_EQ(c.data, "");
}

TEST_F(HttpConnectionTest, EachRequestRestartsTheKeepaliveTimeout) {
    start();
    Client client(port_);
    // Together the pauses outlast one timeout; each alone stays well inside it.
    for (int i = 0; i < 4; ++i) {
        ASSERT_TRUE(client.send(get("/round/" + std::to_string(i))));
        Response r = client.read_response();
        ASSERT_EQ(r.status, 200) << "round " << i;
        EXPECT_EQ(r.body, "GET /round/" + std::to_string(i) + " 0");
        sleep_ms(kTimeoutMs / 2);
    }
}

// --- client_body_timeout ---

TEST_F(HttpConnectionTest, StalledBodyIsClosedAtTheBodyTimeout) {
    start();
    Client client(port_);
    auto start_time = Clock::now();
    ASSERT_TRUE(client.send(post_head("/upload", 10) + "abc"));
    Closing c = client.wait_closed(start_time);
    ASSERT_TRUE(c.closed);
    EXPECT_GE(c.ms, static_cast<int64_t>(kTimeoutMs) - kClockGrainMs);
    EXPECT_LE(c.ms, kLateMs);
    EXPECT_EQ(c.data, "");
}

TEST_F(HttpConnectionTest, BodyTimeoutRunsBetweenReadsNotOverTheWholeBody) {
    HttpOptions options = short_timeouts();
    options.client_body_timeout_ms = 300;
    start(options);
    Client client(port_);
    constexpr int kBytes = 12;  // one per 50 ms: twice the timeout in all
    ASSERT_TRUE(client.send(post_head("/upload", kBytes)));
    for (int i = 0; i < kBytes; ++i) {
        sleep_ms(50);
        ASSERT_TRUE(client.send("b")) << "closed after " << i << " body bytes";
    }
    Response r = client.read_response();
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "POST /upload 12");
    EXPECT_EQ(r.header("Connection"), "keep-alive");
}

// --- send_timeout ---

class SendTimeoutTest : public HttpConnectionTest {
  protected:
    // A client with a tiny window asks for far more than the socket buffers hold, then
    // never reads: the server gives up after send_timeout.
    void expect_closed_at_send_timeout(std::string_view target, uint64_t body_size) {
        start();
        Client client(port_, 4096);
        auto start_time = Clock::now();
        ASSERT_TRUE(client.send(get(target)));
        int64_t ms = ms_until_no_connections(start_time, 10 * kLateMs);
        ASSERT_GE(ms, 0) << "the connection is still open";
        EXPECT_GE(ms, static_cast<int64_t>(kTimeoutMs) - kClockGrainMs);
        EXPECT_LE(ms, kLateMs);
        Closing c = client.wait_closed(Clock::now());
        EXPECT_TRUE(c.closed);
        EXPECT_TRUE(starts_with(c.data, "HTTP/1.1 200 OK\r\n"));
        EXPECT_LT(c.data.size(), body_size);  // cut short
    }
};

TEST_F(SendTimeoutTest, ClosesAClientThatNeverReadsAResponseFromMemory) {
    constexpr uint64_t kSize = 32 << 20;
    expect_closed_at_send_timeout("/big?pad=" + std::to_string(kSize), kSize);
}

TEST_F(SendTimeoutTest, ClosesAClientThatNeverReadsAFile) {
    constexpr uint64_t kSize = 32 << 20;
    char path[] = "/tmp/strata-http-connection-XXXXXX";
    int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::ftruncate(fd, kSize), 0);  // sparse: reads as zeros, costs no disk
    ::close(fd);
    handler_.file_path = path;
    handler_.file_size = kSize;
    expect_closed_at_send_timeout("/file", kSize);
    ::unlink(path);
}

// --- back-pressure ---

// Long pipelines, read late: they must not run into keepalive_requests, nor into
// send_timeout while the client waits.
HttpOptions many_requests() {
    HttpOptions options = short_timeouts();
    options.keepalive_requests = 1'000'000;
    options.send_timeout_ms = 5000;
    return options;
}

TEST_F(HttpConnectionTest, PipelineReadLateIsAnsweredCompletelyAndInOrder) {
    start(many_requests());
    constexpr int kRequests = 2000;
    Client client(port_, 16 * 1024);
    std::string wire;
    for (int i = 0; i < kRequests; ++i)
        wire += get("/seq/" + std::to_string(i) + "?pad=2000");
    ASSERT_TRUE(client.send(wire));
    sleep_ms(300);  // the server fills every buffer and has to wait for the client
    for (int i = 0; i < kRequests; ++i) {
        Response r = client.read_response();
        ASSERT_EQ(r.status, 200) << "response " << i << ": " << r.head.substr(0, 300);
        std::string expected = "GET /seq/" + std::to_string(i) + "?pad=2000 0";
        ASSERT_EQ(r.body.substr(0, expected.size()), expected) << "response " << i;
        ASSERT_EQ(r.body.size(), expected.size() + 2000);
    }
}

TEST_F(HttpConnectionTest, PipelineStopsBeingReadWhileResponsesAreUnsent) {
    start(many_requests());
    // Small requests with large answers: were the server to read on, it would queue
    // 200 bytes of response per byte of request, without bound.
    constexpr size_t kWireLimit = 4 << 20;
    constexpr uint64_t kResponseSize = 8192;
    // What may be answered but unread: the server's output limit (256 KiB) and both
    // sockets' buffers (4 MiB at most on Linux by default), rounded up generously.
    constexpr uint64_t kMaxAnswered = (8 << 20) / kResponseSize;
    Client client(port_, 16 * 1024, 16 * 1024);
    std::string request = get("/p?pad=" + std::to_string(kResponseSize));
    std::string wire;
    while (wire.size() < kWireLimit)
        wire += request;
    size_t sent = 0;
    while (sent < wire.size()) {
        ssize_t n = client.send_some(std::string_view(wire).substr(sent));
        ASSERT_GE(n, 0) << strerror(errno);
        sent += static_cast<size_t>(n);
        if (n > 0) continue;
        pollfd p{client.fd(), POLLOUT, 0};
        if (::poll(&p, 1, 300) == 0) break;  // the server stopped reading
    }
    EXPECT_LT(sent, wire.size() / 2) << "the server read the whole pipeline";
    EXPECT_LT(handler_.handled, kMaxAnswered) << "responses pile up unsent";
    Response r = client.read_response();  // and it is still serving
    EXPECT_EQ(r.status, 200);
}

// --- lingering close ---

HttpOptions small_body_limit(HttpOptions options) {
    options.parser.limits.body = 1000;
    return options;
}

TEST_F(HttpConnectionTest, RejectedBodyIsDrainedSoThe413Survives) {
    start(small_body_limit(short_timeouts()));
    Client client(port_);
    constexpr size_t kBody = 2'000'000;
    ASSERT_TRUE(client.send(post_head("/upload", kBody)));
    // Like a client that does not wait for an answer before its upload.
    ASSERT_TRUE(client.send(std::string(kBody, 'b'))) << strerror(errno);
    Response r = client.read_response();
    EXPECT_EQ(r.status, 413);
    EXPECT_EQ(r.header("Connection"), "close");
    EXPECT_NE(r.body.find("413 Request Entity Too Large"), std::string::npos) << r.body;
    Closing c = client.wait_closed(Clock::now());
    EXPECT_TRUE(c.closed);
    EXPECT_EQ(c.data, "");
}

TEST_F(HttpConnectionTest, LingeringGoesOnWhileTheClientKeepsSending) {
    HttpOptions options = small_body_limit(short_timeouts());
    options.lingering_timeout_ms = 150;
    start(options);
    Client client(port_);
    ASSERT_TRUE(client.send(post_head("/upload", 2'000'000)));
    // nginx's lingering_timeout is a pause between reads: steady sending outlasts it
    // (up to lingering_time).
    for (int i = 0; i < 12; ++i) {
        ASSERT_TRUE(client.send(std::string(8192, 'b'))) << "reset after " << i << " pieces";
        sleep_ms(50);
    }
    Response r = client.read_response();
    EXPECT_EQ(r.status, 413);
    EXPECT_TRUE(client.wait_closed(Clock::now()).closed);
}

TEST_F(HttpConnectionTest, LingeringEndsAtTheLingeringTimeout) {
    HttpOptions options = small_body_limit(short_timeouts());
    options.lingering_timeout_ms = kTimeoutMs;
    start(options);
    Client client(port_);
    auto start_time = Clock::now();
    ASSERT_TRUE(client.send(post_head("/upload", 2'000'000) + "bbb"));
    EXPECT_EQ(client.read_response().status, 413);
    EXPECT_TRUE(client.wait_closed(Clock::now()).closed);  // the server's half-close
    int64_t ms = ms_until_no_connections(start_time, 10 * kLateMs);
    ASSERT_GE(ms, 0);
    EXPECT_GE(ms, static_cast<int64_t>(kTimeoutMs) - kClockGrainMs);
    EXPECT_LE(ms, kLateMs);
}

// --- keepalive_requests ---

TEST_F(HttpConnectionTest, LastRequestAllowedOnAConnectionSaysClose) {
    HttpOptions options = short_timeouts();
    options.keepalive_requests = 3;
    start(options);
    Client client(port_);
    for (int i = 1; i <= 3; ++i) {
        ASSERT_TRUE(client.send(get("/n/" + std::to_string(i))));
        Response r = client.read_response();
        ASSERT_EQ(r.status, 200);
        EXPECT_EQ(r.header("Connection"), i < 3 ? "keep-alive" : "close") << "request " << i;
    }
    Closing c = client.wait_closed(Clock::now());
    EXPECT_TRUE(c.closed);
    EXPECT_EQ(c.data, "");
}

TEST_F(HttpConnectionTest, PipelinedRequestsBeyondKeepaliveRequestsAreNotAnswered) {
    HttpOptions options = short_timeouts();
    options.keepalive_requests = 2;
    start(options);
    Client client(port_);
    ASSERT_TRUE(client.send(get("/n/1") + get("/n/2") + get("/n/3")));
    EXPECT_EQ(client.read_response().header("Connection"), "keep-alive");
    Response second = client.read_response();
    EXPECT_EQ(second.body, "GET /n/2 0");
    EXPECT_EQ(second.header("Connection"), "close");
    Closing c = client.wait_closed(Clock::now());
    EXPECT_TRUE(c.closed);
    EXPECT_EQ(c.data, "");
}

// --- handlers that answer later ---

TEST_F(HttpConnectionTest, LateResponseComesBeforeTheNextPipelinedOne) {
    start();
    Client client(port_);
    auto start_time = Clock::now();
    ASSERT_TRUE(client.send(get("/late?ms=50") + get("/now")));
    Response first = client.read_response();
    EXPECT_GE(ms_since(start_time), 50 - kClockGrainMs);
    EXPECT_EQ(first.body, "GET /late?ms=50 0");
    EXPECT_EQ(client.read_response().body, "GET /now 0");
}

TEST_F(HttpConnectionTest, HandlerSlowerThanEveryTimeoutIsStillAnswered) {
    start();
    Client client(port_);
    std::string target = "/late?ms=" + std::to_string(2 * kTimeoutMs);
    ASSERT_TRUE(client.send(post_head(target, 3) + "abc"));
    Response r = client.read_response();
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "POST " + target + " 3");
    EXPECT_EQ(r.header("Connection"), "keep-alive");
}

TEST_F(HttpConnectionTest, ClientResetWhileTheHandlerHoldsTheExchange) {
    start();
    {
        Client client(port_);
        ASSERT_TRUE(client.send(get("/late?ms=100") + "GET /unread"));
        sleep_ms(20);
        linger abort{1, 0};  // close with a reset
        ASSERT_EQ(setsockopt(client.fd(), SOL_SOCKET, SO_LINGER, &abort, sizeof abort), 0);
    }
    sleep_ms(200);  // the late answer comes for a client that is gone
    EXPECT_GE(ms_until_no_connections(Clock::now(), kLateMs), 0);
    // And the server goes on serving.
    Client other(port_);
    ASSERT_TRUE(other.send(get("/after")));
    EXPECT_EQ(other.read_response().body, "GET /after 0");
}

// --- peer half-close ---

TEST_F(HttpConnectionTest, HalfClosedClientStillGetsItsResponse) {
    start();
    Client client(port_);
    ASSERT_TRUE(client.send(get("/half?pad=100000")));
    client.shutdown_writes();
    Response r = client.read_response();
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.body.size(), std::string("GET /half?pad=100000 0").size() + 100000);
    Closing c = client.wait_closed(Clock::now());
    EXPECT_TRUE(c.closed);
    EXPECT_EQ(c.data, "");
}

TEST_F(HttpConnectionTest, HalfClosedClientGetsALateResponse) {
    start();
    Client client(port_);
    ASSERT_TRUE(client.send(get("/late?ms=50")));
    client.shutdown_writes();
    EXPECT_EQ(client.read_response().body, "GET /late?ms=50 0");
    EXPECT_TRUE(client.wait_closed(Clock::now()).closed);
}

// --- framing ---

TEST_F(HttpConnectionTest, HeadAnswersCarryALengthButNoBody) {
    start();
    handler_.file_path = "/proc/self/exe";  // any readable file will do
    handler_.file_size = 100;
    Client client(port_);
    ASSERT_TRUE(
        client.send("HEAD /x?pad=10 HTTP/1.1\r\nHost: a\r\n\r\n"
                    "HEAD /file HTTP/1.1\r\nHost: a\r\n\r\n" +
                    get("/after")));
    Response echo = client.read_response(true);
    EXPECT_EQ(echo.header("Content-Length"),
              std::to_string(std::string("HEAD /x?pad=10 0").size() + 10));
    Response file = client.read_response(true);
    EXPECT_EQ(file.header("Content-Length"), "100");
    // Were any body bytes sent, this would read them as a response.
    EXPECT_EQ(client.read_response().body, "GET /after 0");
}

TEST_F(HttpConnectionTest, Http10ClosesUnlessAskedToKeepAlive) {
    start();
    {
        Client client(port_);
        ASSERT_TRUE(client.send("GET /old HTTP/1.0\r\n\r\n"));
        Response r = client.read_response();
        EXPECT_EQ(r.body, "GET /old 0");
        EXPECT_EQ(r.header("Connection"), "close");
        EXPECT_TRUE(client.wait_closed(Clock::now()).closed);
    }
    Client client(port_);
    ASSERT_TRUE(
        client.send("GET /1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                    "GET /2 HTTP/1.0\r\n\r\n"));
    Response first = client.read_response();
    EXPECT_EQ(first.header("Connection"), "keep-alive");
    Response second = client.read_response();
    EXPECT_EQ(second.body, "GET /2 0");
    EXPECT_EQ(second.header("Connection"), "close");
    EXPECT_TRUE(client.wait_closed(Clock::now()).closed);
}

}  // namespace
}  // namespace strata::net
