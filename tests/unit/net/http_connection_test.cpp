#include "strata/net/http_connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <malloc.h>
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
#include <functional>
#include <future>
#include <memory>
#include <optional>
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

// Whether a target's query has `key=`.
bool has_query(std::string_view target, std::string_view key) {
    size_t query = target.find('?');
    return query != std::string_view::npos &&
           target.find(std::string(key) + "=", query) != std::string_view::npos;
}

// FNV-1a: the server reports a digest of large bodies instead of echoing them.
uint64_t digest(std::string_view bytes, uint64_t h = 14695981039346656037ull) {
    for (unsigned char c : bytes)
        h = (h ^ c) * 1099511628211ull;
    return h;
}

// Bytes that differ from their neighbours, so a lost or repeated piece shows.
std::string pattern(size_t size, size_t from = 0) {
    std::string s(size, '\0');
    for (size_t i = 0; i < size; ++i)
        s[i] = static_cast<char>('a' + (from + i) * 7 % 26);
    return s;
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

// Counts what a streamed response's observer hears (on the loop thread; read by the
// test's thread).
struct CountingObserver final : ExchangeObserver {
    void on_output_sent() override { ++sent; }
    void on_client_gone() override { ++gone; }
    std::atomic<int> sent{0};
    std::atomic<int> gone{0};
};

// A streamed response that sends `piece` bytes whenever less than `window` is unsent,
// from begin and from on_output_sent, until `total` went out: a producer paced by the
// client, as the gateway's app threads are.
class PullStream final : public ExchangeObserver {
  public:
    PullStream(Exchange& exchange, uint64_t total, uint64_t piece, uint64_t window)
        : exchange_(&exchange), total_(total), piece_(piece), window_(window) {}

    void start() {
        exchange_->set_observer(this);
        exchange_->begin_response(ResponseHead{}, static_cast<int64_t>(total_));
        pump();
    }
    void on_output_sent() override { pump(); }
    void on_client_gone() override { gone = true; }

    std::atomic<uint64_t> max_unsent{0};
    std::atomic<bool> done{false};
    std::atomic<bool> gone{false};

  private:
    // send_body() flushes, and a flush calls on_output_sent() again: those nested calls
    // only ask for another round.
    void pump() {
        if (pumping_ || done) {
            again_ = true;
            return;
        }
        pumping_ = true;
        do {
            again_ = false;
            while (sent_ < total_ && !gone && exchange_->unsent_bytes() < window_) {
                uint64_t n = std::min(piece_, total_ - sent_);
                exchange_->send_body(pattern(n, sent_));
                sent_ += n;
                max_unsent = std::max<uint64_t>(max_unsent, exchange_->unsent_bytes());
            }
        } while (again_ && !gone && sent_ < total_);
        pumping_ = false;
        if (sent_ == total_ || gone) {
            done = true;
            exchange_->end_response(sent_ == total_);
        }
    }

    Exchange* exchange_;
    uint64_t total_, piece_, window_;
    uint64_t sent_ = 0;
    bool pumping_ = false;
    bool again_ = false;
};

// Answers by target: "/late?ms=N" holds the exchange and answers N ms later from a loop
// timer (as an asynchronous handler would), "/file" sends `file_path` with respond_file,
// "/held?status=S&len=N" begins a streamed response (length N, or unknown without `len`)
// and leaves it to the test (`held`, on the loop thread), "/pull?total=N&piece=P&window=W"
// runs a PullStream, "/spool" reports the request body as the handler found it; anything
// else gets echo_text() at once.
class TestHandler final : public HttpHandler {
  public:
    explicit TestHandler(EventLoop& loop) : loop_(loop) {}

    void handle(Exchange& exchange) override {
        ++handled;
        std::string_view target = exchange.request().target;
        if (starts_with(target, "/late")) return respond_later(exchange);
        if (starts_with(target, "/file")) return respond_with_file(exchange);
        if (starts_with(target, "/held")) return hold(exchange);
        if (starts_with(target, "/pull")) return pull(exchange);
        if (starts_with(target, "/spool")) return report_body(exchange);  // and /spool-here
        ResponseHead head;
        if (has_query(target, "status"))
            head.status = static_cast<int>(query_number(target, "status"));
        head.chunked = has_query(target, "chunked");  // as a handler that cannot tell the length
        exchange.respond(head, echo_text(exchange));
    }

    // "/spool-here" is a location with options of its own (spool_options), as a front
    // handler gives each location its client_body_buffer_size.
    const RequestOptions* body_options(const http::RequestHead& head,
                                       const ListenerInfo&) override {
        return starts_with(head.target, "/spool-here") ? &spool_options : nullptr;
    }

    RequestOptions spool_options;
    std::string file_path;
    uint64_t file_size = 0;
    std::atomic<uint64_t> handled{0};  // read by the test's thread
    Exchange* held = nullptr;          // loop thread
    CountingObserver observer;
    std::deque<std::unique_ptr<PullStream>> pulls;

  private:
    void hold(Exchange& exchange) {
        std::string_view target = exchange.request().target;
        ResponseHead head;
        if (has_query(target, "status"))
            head.status = static_cast<int>(query_number(target, "status"));
        int64_t length =
            has_query(target, "len") ? static_cast<int64_t>(query_number(target, "len")) : -1;
        held = &exchange;
        exchange.set_observer(&observer);
        exchange.begin_response(head, length);
    }

    void pull(Exchange& exchange) {
        std::string_view target = exchange.request().target;
        auto& stream = pulls.emplace_back(std::make_unique<PullStream>(
            exchange, query_number(target, "total"), query_number(target, "piece"),
            query_number(target, "window")));
        stream->start();
    }

    // "spooled=0|1 size=N memory=M digest=D again=A": whether the body came as a file,
    // its size, what body() still shows, the digest of its bytes, and what a second
    // take_body_file() gives.
    static void report_body(Exchange& exchange) {
        int fd = exchange.take_body_file();
        uint64_t h = digest("");
        if (fd >= 0) {
            char chunk[65536];
            off_t at = 0;
            ssize_t n;
            while ((n = ::pread(fd, chunk, sizeof chunk, at)) > 0) {
                h = digest(std::string_view(chunk, static_cast<size_t>(n)), h);
                at += n;
            }
        } else {
            h = digest(exchange.body());
        }
        int again = exchange.take_body_file();
        std::string text = "spooled=" + std::to_string(fd >= 0) +
                           " size=" + std::to_string(exchange.body_size()) +
                           " memory=" + std::to_string(exchange.body().size()) +
                           " digest=" + std::to_string(h) + " again=" + std::to_string(again);
        if (fd >= 0) ::close(fd);
        exchange.respond(ResponseHead{}, text);
    }

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
    bool chunked = false;  // the body came in chunked coding (decoded into `body`)

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
    // A chunked body is decoded. Status 0 when the connection ended first.
    Response read_response(bool head_request = false) {
        Response r = read_head();
        if (r.status == 0) return r;
        if (!head_request && r.header("Transfer-Encoding") == "chunked") {
            r.chunked = true;
            for (;;) {
                std::optional<std::string> chunk = read_chunk();
                if (!chunk) return Response{};
                if (chunk->empty()) return r;
                r.body += *chunk;
            }
        }
        size_t length = head_request ? 0 : std::stoul("0" + r.header("Content-Length"));
        if (!read_exactly(length, r.body)) return Response{};
        return r;
    }

    // The next response's head only; its body is left to read_exactly()/read_chunk().
    Response read_head() {
        Response r;
        size_t end;
        while ((end = buffered_.find("\r\n\r\n")) == std::string::npos)
            if (!fill()) return r;
        r.head = buffered_.substr(0, end + 2);
        buffered_.erase(0, end + 4);
        r.status = std::atoi(r.head.substr(r.head.find(' ') + 1).c_str());
        return r;
    }

    // Appends exactly `n` bytes to `out`; false when the connection ended first.
    bool read_exactly(size_t n, std::string& out) {
        while (buffered_.size() < n)
            if (!fill()) return false;
        out.append(buffered_, 0, n);
        buffered_.erase(0, n);
        return true;
    }

    // One chunk's data ("" for the last chunk, trailers skipped); nullopt when the
    // connection ended or the chunk is malformed.
    std::optional<std::string> read_chunk() {
        size_t eol;
        while ((eol = buffered_.find("\r\n")) == std::string::npos)
            if (!fill()) return std::nullopt;
        char* end = nullptr;
        unsigned long long size = std::strtoull(buffered_.c_str(), &end, 16);
        if (end == buffered_.c_str()) return std::nullopt;
        buffered_.erase(0, eol + 2);
        if (size == 0) {  // trailers up to an empty line
            while ((eol = buffered_.find("\r\n")) != 0) {
                if (eol == std::string::npos && !fill()) return std::nullopt;
                if (eol != std::string::npos && eol != 0) buffered_.erase(0, eol + 2);
            }
            buffered_.erase(0, 2);
            return std::string();
        }
        std::string data;
        if (!read_exactly(size, data)) return std::nullopt;
        std::string crlf;
        if (!read_exactly(2, crlf) || crlf != "\r\n") return std::nullopt;
        return data;
    }

    // Bytes already read and not yet consumed.
    size_t buffered() const { return buffered_.size(); }

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

    // Runs `fn` on the loop thread and waits until it ran.
    void on_loop(const std::function<void()>& fn) {
        std::promise<void> ran;
        loop_.post([&] {
            fn();
            ran.set_value();
        });
        ran.get_future().wait();
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

// --- streamed responses (begin_response … end_response) ---

TEST_F(HttpConnectionTest, StreamedResponseWithALengthKeepsTheConnection) {
    start();
    Client client(port_);
    ASSERT_TRUE(client.send(get("/held?len=11")));
    Response head = client.read_head();
    ASSERT_EQ(head.status, 200);
    EXPECT_EQ(head.header("Content-Length"), "11");
    EXPECT_EQ(head.header("Transfer-Encoding"), "");
    EXPECT_EQ(head.header("Connection"), "keep-alive");
    on_loop([&] { handler_.held->send_body("hello "); });
    std::string body;
    ASSERT_TRUE(client.read_exactly(6, body));
    on_loop([&] {
        handler_.held->send_body("");  // nothing to send: no empty chunk, no harm
        handler_.held->send_body("world");
        handler_.held->end_response();
        handler_.held = nullptr;
    });
    ASSERT_TRUE(client.read_exactly(5, body));
    EXPECT_EQ(body, "hello world");
    // The connection serves the next request.
    ASSERT_TRUE(client.send(get("/next")));
    EXPECT_EQ(client.read_response().body, "GET /next 0");
}

TEST_F(HttpConnectionTest, StreamedResponseWithoutALengthIsChunkedOnHttp11) {
    start();
    Client client(port_);
    ASSERT_TRUE(client.send(get("/held")));
    Response head = client.read_head();
    ASSERT_EQ(head.status, 200);
    EXPECT_EQ(head.header("Transfer-Encoding"), "chunked");
    EXPECT_EQ(head.header("Content-Length"), "");
    EXPECT_EQ(head.header("Connection"), "keep-alive");
    // Each piece is a chunk of its own, sent when given: the client reads it before the
    // next one exists.
    for (const std::string& piece :
         {std::string("one"), std::string("two-two"), std::string(70'000, 'x')}) {
        on_loop([&] { handler_.held->send_body(piece); });
        EXPECT_EQ(client.read_chunk(), piece);
    }
    on_loop([&] {
        handler_.held->end_response();
        handler_.held = nullptr;
    });
    EXPECT_EQ(client.read_chunk(), "") << "the last chunk";
    ASSERT_TRUE(client.send(get("/next")));
    EXPECT_EQ(client.read_response().body, "GET /next 0");
}

TEST_F(HttpConnectionTest, StreamedResponseWithoutALengthOnHttp10EndsWithTheConnection) {
    start();
    Client client(port_);
    ASSERT_TRUE(client.send("GET /held HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    Response head = client.read_head();
    ASSERT_EQ(head.status, 200);
    EXPECT_EQ(head.header("Transfer-Encoding"), "");  // no chunked coding in HTTP/1.0
    EXPECT_EQ(head.header("Content-Length"), "");
    EXPECT_EQ(head.header("Connection"), "close");
    on_loop([&] { handler_.held->send_body("abc"); });
    std::string body;
    ASSERT_TRUE(client.read_exactly(3, body));
    on_loop([&] {
        handler_.held->send_body("def");
        handler_.held->end_response();
        handler_.held = nullptr;
    });
    Closing c = client.wait_closed(Clock::now());
    EXPECT_TRUE(c.closed);
    EXPECT_EQ(body + c.data, "abcdef");
}

TEST_F(HttpConnectionTest, StreamedResponseWithALengthOnHttp10KeepsAliveWhenAsked) {
    start();
    Client client(port_);
    ASSERT_TRUE(client.send("GET /held?len=2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    Response head = client.read_head();
    EXPECT_EQ(head.header("Content-Length"), "2");
    EXPECT_EQ(head.header("Connection"), "keep-alive");
    on_loop([&] {
        handler_.held->send_body("ok");
        handler_.held->end_response();
        handler_.held = nullptr;
    });
    std::string body;
    ASSERT_TRUE(client.read_exactly(2, body));
    EXPECT_EQ(body, "ok");
    ASSERT_TRUE(client.send("GET /again HTTP/1.0\r\n\r\n"));
    EXPECT_EQ(client.read_response().body, "GET /again 0");
}

TEST_F(HttpConnectionTest, StreamedHeadResponseDropsTheBody) {
    start();
    Client client(port_);
    for (std::string_view target : {"/held?len=6", "/held"}) {
        ASSERT_TRUE(client.send("HEAD " + std::string(target) + " HTTP/1.1\r\nHost: a\r\n\r\n"));
        Response head = client.read_head();
        ASSERT_EQ(head.status, 200) << target;
        EXPECT_EQ(head.header("Content-Length"), has_query(target, "len") ? "6" : "");
        EXPECT_EQ(head.header("Transfer-Encoding"), "") << "a HEAD answer has no body to code";
        EXPECT_EQ(head.header("Connection"), "keep-alive");
        on_loop([&] {
            handler_.held->send_body("abcdef");
            handler_.held->end_response();
            handler_.held = nullptr;
        });
    }
    // Were any body bytes sent, this would read them as a response.
    ASSERT_TRUE(client.send(get("/after")));
    EXPECT_EQ(client.read_response().body, "GET /after 0");
}

TEST_F(HttpConnectionTest, StreamedBodilessStatusesDropTheBody) {
    start();
    Client client(port_);
    for (int status : {304, 204}) {
        for (std::string_view length : {"&len=5", ""}) {
            std::string target = "/held?status=" + std::to_string(status) + std::string(length);
            ASSERT_TRUE(client.send(get(target)));
            Response head = client.read_head();
            ASSERT_EQ(head.status, status) << target;
            EXPECT_EQ(head.header("Content-Length"), "") << target;
            EXPECT_EQ(head.header("Transfer-Encoding"), "") << target;
            EXPECT_EQ(head.header("Connection"), "keep-alive") << target;
            on_loop([&] {
                handler_.held->send_body("hello");
                handler_.held->end_response();
                handler_.held = nullptr;
            });
        }
    }
    ASSERT_TRUE(client.send(get("/after")));
    EXPECT_EQ(client.read_response().body, "GET /after 0");
}

TEST_F(HttpConnectionTest, UnknownLengthWithoutABodyIsNotChunked) {
    start();
    Client client(port_);
    for (int status : {204, 304}) {
        for (std::string_view version : {"HTTP/1.1", "HTTP/1.0"}) {
            std::string target = "/x?chunked=1&status=" + std::to_string(status);
            ASSERT_TRUE(client.send("GET " + target + " " + std::string(version) +
                                    "\r\nHost: t\r\nConnection: keep-alive\r\n\r\n"));
            Response r = client.read_head();
            ASSERT_EQ(r.status, status);
            EXPECT_EQ(r.header("Transfer-Encoding"), "") << status << " " << version;
            EXPECT_EQ(r.header("Content-Length"), "") << status << " " << version;
            EXPECT_EQ(r.header("Connection"), "keep-alive") << status << " " << version;
        }
    }
    // A HEAD answer has no body to end either; a GET's unknown length on HTTP/1.1 is chunked.
    ASSERT_TRUE(client.send("HEAD /x?chunked=1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    EXPECT_EQ(client.read_head().header("Connection"), "keep-alive");
    ASSERT_TRUE(client.send(get("/x?chunked=1")));
    Response r = client.read_response();
    EXPECT_TRUE(r.chunked);
    EXPECT_EQ(r.body, "GET /x?chunked=1 0");
}

TEST_F(HttpConnectionTest, IncompleteStreamedResponseClosesTheConnection) {
    start();
    for (std::string_view target : {"/held?len=100", "/held"}) {
        Client client(port_);
        ASSERT_TRUE(client.send(get(target) + get("/never")));
        Response head = client.read_head();
        ASSERT_EQ(head.status, 200);
        on_loop([&] {
            handler_.held->send_body("partial");
            handler_.held->end_response(false);
            handler_.held = nullptr;
        });
        Closing c = client.wait_closed(Clock::now());
        EXPECT_TRUE(c.closed) << target;
        if (has_query(target, "len")) {
            EXPECT_EQ(c.data, "partial");
        } else {  // the chunk went out, the last chunk never does
            EXPECT_EQ(c.data, "7\r\npartial\r\n");
        }
    }
    EXPECT_EQ(handler_.handled, 2u) << "the pipelined request after a cut response is dropped";
}

TEST_F(HttpConnectionTest, PipelinedRequestWaitsForTheStreamedResponse) {
    start();
    Client client(port_);
    ASSERT_TRUE(client.send(get("/held?len=4") + get("/second")));
    ASSERT_EQ(client.read_head().status, 200);
    on_loop([&] { handler_.held->send_body("ab"); });
    std::string body;
    ASSERT_TRUE(client.read_exactly(2, body));
    EXPECT_EQ(handler_.handled, 1u) << "the next request is taken only after this response";
    on_loop([&] {
        handler_.held->send_body("cd");
        handler_.held->end_response();
        handler_.held = nullptr;
    });
    ASSERT_TRUE(client.read_exactly(2, body));
    EXPECT_EQ(body, "abcd");
    EXPECT_EQ(client.read_response().body, "GET /second 0");
}

TEST_F(HttpConnectionTest, StreamedFilePartsGoOutInOrder) {
    start();
    constexpr uint64_t kFileSize = 300'000;  // above the inline limit: sendfile
    char path[] = "/tmp/strata-http-connection-XXXXXX";
    int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    std::string file = pattern(kFileSize);
    ASSERT_EQ(::write(fd, file.data(), file.size()), static_cast<ssize_t>(file.size()));
    ::unlink(path);
    for (bool chunked : {false, true}) {
        Client client(port_);
        uint64_t total = 6 + (kFileSize - 10) + 100 + 4;
        ASSERT_TRUE(client.send(get(chunked ? "/held" : "/held?len=" + std::to_string(total))));
        ASSERT_EQ(client.read_head().status, 200);
        on_loop([&] {
            handler_.held->send_body("before");
            // A large range, then a small one (read into memory), each from its own fd.
            handler_.held->send_body_file(::dup(fd), 10, kFileSize - 10);
            handler_.held->send_body_file(::dup(fd), 0, 100);
            handler_.held->send_body_file(::dup(fd), 0, 0);  // empty: closed, no chunk
            handler_.held->send_body("last");
            handler_.held->end_response();
            handler_.held = nullptr;
        });
        std::string expected = "before" + file.substr(10) + file.substr(0, 100) + "last";
        std::string body;
        if (chunked) {
            for (std::optional<std::string> chunk;
                 (chunk = client.read_chunk()) && !chunk->empty();)
                body += *chunk;
        } else {
            ASSERT_TRUE(client.read_exactly(total, body));
        }
        EXPECT_EQ(body.size(), expected.size());
        EXPECT_TRUE(body == expected) << (chunked ? "chunked" : "with a length");
        ASSERT_TRUE(client.send(get("/next")));
        EXPECT_EQ(client.read_response().body, "GET /next 0");
    }
    ::close(fd);
}

TEST_F(HttpConnectionTest, ObserverHearsOfOutputSent) {
    start();
    Client client(port_);
    ASSERT_TRUE(client.send(get("/held")));
    ASSERT_EQ(client.read_head().status, 200);
    int before = 0;
    on_loop([&] { before = handler_.observer.sent; });  // the call comes after the write
    EXPECT_GE(before, 1) << "the head leaving counts";
    on_loop([&] { handler_.held->send_body("piece"); });
    EXPECT_EQ(client.read_chunk(), "piece");
    EXPECT_GT(handler_.observer.sent, before);
    uint64_t unsent = 1;
    on_loop([&] { unsent = handler_.held->unsent_bytes(); });
    EXPECT_EQ(unsent, 0u);
    on_loop([&] {
        handler_.held->end_response();
        handler_.held = nullptr;
    });
    EXPECT_EQ(client.read_chunk(), "");
    int after_end = 0;
    on_loop([&] { after_end = handler_.observer.sent; });
    ASSERT_TRUE(client.send(get("/next?pad=100000")));
    EXPECT_EQ(client.read_response().body.size(), 100'000 + std::strlen("GET /next?pad=100000 0"));
    EXPECT_EQ(handler_.observer.sent, after_end) << "no calls once the response ended";
    EXPECT_EQ(handler_.observer.gone, 0);
}

TEST_F(HttpConnectionTest, ObserverHearsOfTheClientGoingAndTheExchangeStaysValid) {
    start();
    {
        Client client(port_);
        ASSERT_TRUE(client.send(get("/held?len=1000000")));
        ASSERT_EQ(client.read_head().status, 200);
        linger abort{1, 0};  // close with a reset
        ASSERT_EQ(setsockopt(client.fd(), SOL_SOCKET, SO_LINGER, &abort, sizeof abort), 0);
    }
    // The reset is seen on the next write at the latest.
    auto start_time = Clock::now();
    while (handler_.observer.gone == 0 && ms_since(start_time) < kLateMs) {
        on_loop([&] { handler_.held->send_body(std::string(4096, 'x')); });
        sleep_ms(5);
    }
    ASSERT_EQ(handler_.observer.gone, 1);
    uint64_t unsent = 1;
    on_loop([&] {
        handler_.held->send_body("ignored");  // still valid, and harmless
        handler_.held->send_body_file(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC), 0, 10);
        unsent = handler_.held->unsent_bytes();
    });
    EXPECT_EQ(unsent, 0u);
    EXPECT_EQ(connection_count(), 1u) << "kept until the handler ends the response";
    on_loop([&] {
        handler_.held->end_response();
        handler_.held = nullptr;
    });
    EXPECT_GE(ms_until_no_connections(Clock::now(), kLateMs), 0);
    EXPECT_EQ(handler_.observer.gone, 1) << "told once";
}

TEST_F(HttpConnectionTest, SendTimeoutEndsAStreamThatIsNotRead) {
    start();
    Client client(port_, 4096);
    ASSERT_TRUE(client.send(get("/held")));
    ASSERT_EQ(client.read_head().status, 200);
    // Before the send: the loop measures from the start of the iteration that sends.
    auto start_time = Clock::now();
    on_loop([&] { handler_.held->send_body(std::string(16 << 20, 'x')); });
    while (handler_.observer.gone == 0 && ms_since(start_time) < 10 * kLateMs)
        sleep_ms(5);
    ASSERT_EQ(handler_.observer.gone, 1) << "a client that reads nothing is given up on";
    EXPECT_GE(ms_since(start_time), static_cast<int64_t>(kTimeoutMs) - kClockGrainMs);
    on_loop([&] {
        handler_.held->end_response();
        handler_.held = nullptr;
    });
    EXPECT_GE(ms_until_no_connections(Clock::now(), kLateMs), 0);
}

TEST_F(HttpConnectionTest, StreamPacedByOutputSentStaysWithinItsWindow) {
    HttpOptions options = short_timeouts();
    options.send_timeout_ms = 5000;
    options.keepalive_timeout_ms = 5000;  // checking 8 MiB takes a while
    start(options);
    constexpr uint64_t kTotal = 8 << 20, kPiece = 16 * 1024, kWindow = 64 * 1024;
    Client client(port_, 16 * 1024);
    ASSERT_TRUE(client.send(get("/pull?total=" + std::to_string(kTotal) + "&piece=" +
                                std::to_string(kPiece) + "&window=" + std::to_string(kWindow))));
    sleep_ms(100);  // the producer fills the window and has to wait for the client
    Response r = client.read_response();
    ASSERT_EQ(r.status, 200);
    ASSERT_EQ(r.body.size(), kTotal);
    EXPECT_TRUE(r.body == pattern(kTotal)) << "bytes lost, repeated or reordered";
    ASSERT_EQ(handler_.pulls.size(), 1u);
    EXPECT_TRUE(handler_.pulls[0]->done);
    EXPECT_LE(handler_.pulls[0]->max_unsent, kWindow + kPiece + 1024)
        << "the producer ran ahead of the client";
    ASSERT_TRUE(client.send(get("/next")));
    EXPECT_EQ(client.read_response().body, "GET /next 0");
}

TEST_F(HttpConnectionTest, StreamForNoRequestIsIgnored) {
    start();
    Client client(port_);
    ASSERT_TRUE(client.send(get("/held?len=1")));
    ASSERT_EQ(client.read_head().status, 200);
    on_loop([&] {
        Exchange* held = handler_.held;
        held->begin_response(ResponseHead{}, 5);  // a second head: ignored
        held->send_body("!");
        held->end_response();
        held->end_response();     // ended already: ignored
        held->send_body("late");  // after the end: ignored
        handler_.held = nullptr;
    });
    std::string body;
    ASSERT_TRUE(client.read_exactly(1, body));
    EXPECT_EQ(body, "!");
    ASSERT_TRUE(client.send(get("/next")));
    EXPECT_EQ(client.read_response().body, "GET /next 0");
}

// --- request bodies spooled to a temporary file ---

HttpOptions spooling(uint64_t limit) {
    HttpOptions options = short_timeouts();
    options.body_memory_limit = limit;
    options.parser.limits.body = 64 << 20;  // client_max_body_size
    options.client_body_timeout_ms = 5000;
    options.keepalive_timeout_ms = 5000;  // checking a large body takes a while
    return options;
}

std::string body_report(bool spooled, std::string_view body, int again = -1) {
    return "spooled=" + std::to_string(spooled) + " size=" + std::to_string(body.size()) +
           " memory=" + std::to_string(spooled ? 0 : body.size()) +
           " digest=" + std::to_string(digest(body)) + " again=" + std::to_string(again);
}

TEST_F(HttpConnectionTest, BodyUpToTheLimitStaysInMemory) {
    start(spooling(1000));
    Client client(port_);
    std::string body = pattern(1000);
    ASSERT_TRUE(client.send(post_head("/spool", body.size()) + body));
    EXPECT_EQ(client.read_response().body, body_report(false, body));
}

// The location's options decide where its body goes: one that spools past 1000 bytes on a
// server that never spools, and the server's own choice for the other targets.
TEST_F(HttpConnectionTest, TheLocationDecidesWhetherABodySpools) {
    HttpOptions options = spooling(0);
    handler_.spool_options = request_options_of(options);
    handler_.spool_options.body_memory_limit = 1000;
    start(options);
    Client client(port_);
    std::string body = pattern(5000);
    ASSERT_TRUE(client.send(post_head("/spool-here", body.size()) + body));
    EXPECT_EQ(client.read_response().body, body_report(true, body));
    ASSERT_TRUE(client.send(post_head("/spool", body.size()) + body));
    EXPECT_EQ(client.read_response().body, body_report(false, body));
}

TEST_F(HttpConnectionTest, LargeBodyIsSpooledAndHandedOverAsAFile) {
    start(spooling(64 * 1024));
    std::string body = pattern(20 << 20);  // before connecting: the header timeout is short
    Client client(port_);
    std::future<bool> sent = std::async(std::launch::async, [&] {
        return client.send(post_head("/spool", body.size())) && client.send(body);
    });
    Response r = client.read_response();
    ASSERT_TRUE(sent.get());
    EXPECT_EQ(r.body, body_report(true, body));
    EXPECT_EQ(r.header("Connection"), "keep-alive");
    // The next body on the connection starts in memory again.
    ASSERT_TRUE(client.send(post_head("/spool", 5) + "small"));
    EXPECT_EQ(client.read_response().body, body_report(false, "small"));
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
// <sanitizer/allocator_interface.h>, which GCC does not install.
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#endif

// Heap bytes in use now (the sanitizers' allocators keep their own count).
uint64_t heap_in_use() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    return __sanitizer_get_current_allocated_bytes();
#else
    struct mallinfo2 m = ::mallinfo2();
    return m.uordblks + m.hblkhd;
#endif
}

TEST_F(HttpConnectionTest, SpooledUploadIsNotHeldInMemoryOnItsWay) {
    start(spooling(64 * 1024));
    std::string body = pattern(20 << 20);
    Client client(port_);
    uint64_t baseline = heap_in_use();
    std::atomic<bool> done{false};
    std::future<bool> sent = std::async(std::launch::async, [&] {
        bool ok = client.send(post_head("/spool", body.size())) && client.send(body);
        done = true;
        return ok;
    });
    uint64_t peak = baseline;
    while (!done) {
        peak = std::max(peak, heap_in_use());
        std::this_thread::yield();
    }
    Response r = client.read_response();
    ASSERT_TRUE(sent.get());
    EXPECT_EQ(r.body, body_report(true, body));
    // The connection's buffers and a little noise; the bug held megabytes (as much as
    // the socket had) in the input buffer before they reached the spool file.
    EXPECT_LT(peak - baseline, 2u << 20);
}

TEST_F(HttpConnectionTest, ChunkedBodyIsSpooledToo) {
    start(spooling(4096));
    Client client(port_);
    std::string body, wire;
    for (size_t i = 0; i < 40; ++i) {
        std::string piece = pattern(1000 + i, body.size());
        body += piece;
        char size[32];
        std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
        wire += size + piece + "\r\n";
    }
    wire += "0\r\n\r\n";
    ASSERT_TRUE(client.send(
        "POST /spool HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" + wire));
    EXPECT_EQ(client.read_response().body, body_report(true, body));
}

TEST_F(HttpConnectionTest, UntakenSpoolFileIsNotLeaked) {
    start(spooling(16));
    int before = ::dup(0);
    ::close(before);
    {
        Client client(port_);
        for (int i = 0; i < 20; ++i) {
            // echo_text() never takes the file: the connection must close it.
            ASSERT_TRUE(client.send(post_head("/echo", 100) + pattern(100)));
            Response r = client.read_response();
            ASSERT_EQ(r.status, 200);
            EXPECT_EQ(r.body, "POST /echo 0") << "body() is empty for a spooled body";
        }
    }
    EXPECT_GE(ms_until_no_connections(Clock::now(), kLateMs), 0);
    int after = ::dup(0);
    ::close(after);
    EXPECT_EQ(after, before) << "spool files left open";
}

TEST_F(HttpConnectionTest, BodyThatCannotBeSpooledGetsA500) {
    HttpOptions options = spooling(16);
    options.body_temp_dir = "/nonexistent-strata-dir";
    start(options);
    Client client(port_);
    ASSERT_TRUE(client.send(post_head("/spool", 100) + pattern(100)));
    Response r = client.read_response();
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.header("Connection"), "close");
    EXPECT_EQ(handler_.handled, 0u);
}

}  // namespace
}  // namespace strata::net
