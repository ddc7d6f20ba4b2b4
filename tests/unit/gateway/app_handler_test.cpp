#include "strata/gateway/app_handler.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "strata/base/log.h"
#include "strata/net/http_server.h"
#include "strata/net/listener.h"

namespace strata::gateway {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Generous: a loaded two-core machine running sanitizers.
constexpr auto kPatience = 10s;
// A client read that waits longer than this fails the test instead of hanging it.
constexpr int kReceiveTimeoutMs = 10'000;

int64_t ms_since(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// Bytes that differ from their neighbours, from `from` bytes into an endless run, so a
// lost, repeated or reordered piece shows.
std::string pattern(size_t size, uint64_t from = 0) {
    std::string s(size, '\0');
    for (size_t i = 0; i < size; ++i)
        s[i] = static_cast<char>('a' + (from + i) * 7 % 26);
    return s;
}

// FNV-1a, to compare large bodies by digest.
uint64_t digest(std::string_view bytes, uint64_t h = 14695981039346656037ull) {
    for (unsigned char c : bytes)
        h = (h ^ c) * 1099511628211ull;
    return h;
}

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

// Polls `done` until it holds or `limit` passes.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = kPatience) {
    auto start = Clock::now();
    while (!done()) {
        if (Clock::now() - start > limit) return false;
        std::this_thread::sleep_for(2ms);
    }
    return true;
}

// Lets app threads through one at a time, when the test says so.
class Gate {
  public:
    void allow(int n = 1) {
        std::lock_guard lock(mutex_);
        permits_ += n;
        changed_.notify_all();
    }
    void open() {
        std::lock_guard lock(mutex_);
        open_ = true;
        changed_.notify_all();
    }
    // Waits for a permit; false when none came in time.
    bool pass(std::chrono::milliseconds limit = kPatience) {
        std::unique_lock lock(mutex_);
        ++waiting_;
        changed_.notify_all();
        bool ok = changed_.wait_for(lock, limit, [&] { return open_ || permits_ > 0; });
        --waiting_;
        if (ok && !open_) --permits_;
        return ok;
    }
    // Waits until `n` threads wait at the gate.
    bool wait_for_waiters(int n, std::chrono::milliseconds limit = kPatience) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, limit, [&] { return waiting_ >= n; });
    }

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    int permits_ = 0;
    int waiting_ = 0;
    bool open_ = false;
};

// --- apps and bodies ---

using CallFn = std::function<std::unique_ptr<Body>(const Request&, StartResponse&, std::string&)>;

class LambdaApp final : public App {
  public:
    explicit LambdaApp(CallFn fn) : fn_(std::move(fn)) {}
    std::unique_ptr<Body> call(const Request& request, StartResponse& start,
                               std::string& error) override {
        ++calls;
        return fn_(request, start, error);
    }
    std::atomic<int> calls{0};

  private:
    CallFn fn_;
};

// Yields its parts in order, then `ending`; `before_part(i)` runs before part i (and
// before the ending, i == parts.size()). Counts close() calls.
class PartsBody final : public Body {
  public:
    PartsBody(std::vector<std::string> parts, std::atomic<int>* closes)
        : parts_(std::move(parts)), closes_(closes) {}

    BodyPart next() override {
        if (before_part) before_part(index_);
        if (index_ >= parts_.size()) return ending;
        return BodyPart::of_bytes(parts_[index_++]);
    }
    void close() override {
        if (closes_) ++*closes_;
    }
    bool in_memory() const override { return memory; }

    std::function<void(size_t)> before_part;
    BodyPart ending = BodyPart::end_of_body();
    bool memory = false;

  private:
    std::vector<std::string> parts_;
    size_t index_ = 0;
    std::atomic<int>* closes_;
};

// A body whose parts a function makes.
class FnBody final : public Body {
  public:
    FnBody(std::function<BodyPart()> next, std::atomic<int>* closes)
        : next_(std::move(next)), closes_(closes) {}
    BodyPart next() override { return next_(); }
    void close() override {
        if (closes_) ++*closes_;
    }

  private:
    std::function<BodyPart()> next_;
    std::atomic<int>* closes_;
};

std::unique_ptr<PartsBody> parts(std::vector<std::string> list,
                                 std::atomic<int>* closes = nullptr) {
    return std::make_unique<PartsBody>(std::move(list), closes);
}

// --- the client ---

struct Response {
    int status = 0;
    std::string status_line;
    std::string head;
    std::string body;
    bool chunked = false;

    std::string header(std::string_view name) const {
        std::string needle = "\r\n" + std::string(name) + ": ";
        size_t at = head.find(needle);
        if (at == std::string::npos) return "";
        size_t start = at + needle.size();
        return head.substr(start, head.find("\r\n", start) - start);
    }
    bool has_header(std::string_view name) const {
        return head.find("\r\n" + std::string(name) + ": ") != std::string::npos;
    }
};

// A blocking client socket with a receive timeout, reading responses off the wire.
class Client {
  public:
    explicit Client(uint16_t port, int receive_buffer = 0) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        EXPECT_GE(fd_, 0);
        if (receive_buffer > 0) set_option(SOL_SOCKET, SO_RCVBUF, receive_buffer);
        set_option(IPPROTO_TCP, TCP_NODELAY, 1);
        timeval timeout{kReceiveTimeoutMs / 1000, 0};
        EXPECT_EQ(setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout), 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        EXPECT_EQ(::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0)
            << strerror(errno);
    }
    ~Client() {
        if (fd_ >= 0) ::close(fd_);
    }
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    bool send(std::string_view bytes) {
        while (!bytes.empty()) {
            ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return false;
            bytes.remove_prefix(static_cast<size_t>(n));
        }
        return true;
    }

    // The next response: a Content-Length body, a chunked one (decoded), or, with
    // `until_close`, everything up to the end of the connection. Status 0 when the
    // connection ended before the head; `complete` false when it ended inside the body.
    Response read_response(bool head_request = false, bool* complete = nullptr) {
        Response r = read_head();
        bool whole = r.status != 0;
        if (whole && !head_request && r.status >= 200 && r.status != 204 && r.status != 304) {
            if (r.header("Transfer-Encoding") == "chunked") {
                r.chunked = true;
                for (;;) {
                    std::optional<std::string> chunk = read_chunk(&r.body);
                    if (!chunk) {
                        whole = false;
                        break;
                    }
                    if (chunk->empty()) break;
                }
            } else if (r.has_header("Content-Length")) {
                whole = read_exactly(std::stoull(r.header("Content-Length")), r.body);
            } else {
                r.body = read_to_end();
            }
        }
        if (complete) *complete = whole;
        return r;
    }

    Response read_head() {
        Response r;
        size_t end;
        while ((end = buffered_.find("\r\n\r\n")) == std::string::npos)
            if (!fill()) return r;
        r.head = buffered_.substr(0, end + 2);
        buffered_.erase(0, end + 4);
        r.status_line = r.head.substr(0, r.head.find("\r\n"));
        r.status = std::atoi(r.head.substr(r.head.find(' ') + 1).c_str());
        return r;
    }

    // Appends exactly `n` bytes to `out`; false (with what came appended) when the
    // connection ended first.
    bool read_exactly(uint64_t n, std::string& out) {
        while (buffered_.size() < n) {
            if (!fill()) {
                out += buffered_;
                buffered_.clear();
                return false;
            }
        }
        out.append(buffered_, 0, n);
        buffered_.erase(0, n);
        return true;
    }

    // One chunk's data appended to `out` when given; "" for the last chunk; nullopt when
    // the connection ended first.
    std::optional<std::string> read_chunk(std::string* out = nullptr) {
        size_t eol;
        while ((eol = buffered_.find("\r\n")) == std::string::npos)
            if (!fill()) return std::nullopt;
        char* end = nullptr;
        unsigned long long size = std::strtoull(buffered_.c_str(), &end, 16);
        if (end == buffered_.c_str()) return std::nullopt;
        buffered_.erase(0, eol + 2);
        if (size == 0) {
            while (buffered_.size() < 2)
                if (!fill()) return std::nullopt;
            EXPECT_EQ(buffered_.substr(0, 2), "\r\n") << "no trailers expected";
            buffered_.erase(0, 2);
            return std::string();
        }
        std::string data;
        if (!read_exactly(size + 2, data)) return std::nullopt;
        EXPECT_EQ(data.substr(size), "\r\n");
        data.resize(size);
        if (out) *out += data;
        return data;
    }

    // Everything until the server closes; sets `closed` false when the receive timeout
    // ran out instead.
    std::string read_to_end(bool* closed = nullptr) {
        std::string data = std::move(buffered_);
        buffered_.clear();
        char chunk[65536];
        for (;;) {
            ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n > 0) {
                data.append(chunk, static_cast<size_t>(n));
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (closed) *closed = n == 0 || errno == ECONNRESET;
            return data;
        }
    }

    // Closes with a reset, as a client that gives up does.
    void reset() {
        linger abort{1, 0};
        EXPECT_EQ(setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abort, sizeof abort), 0);
        ::close(fd_);
        fd_ = -1;
    }

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

std::string get(std::string_view target, std::string_view extra = "") {
    return "GET " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n" + std::string(extra) +
           "\r\n";
}

// A pipe stands in for the error log, so a test can read what was logged.
class LogCapture {
  public:
    LogCapture() {
        EXPECT_EQ(::pipe2(pipe_, O_CLOEXEC | O_NONBLOCK), 0);
        log::set_fd(pipe_[1]);
    }
    ~LogCapture() {
        log::set_fd(2);
        ::close(pipe_[0]);
        ::close(pipe_[1]);
    }
    // What was logged so far (and not read before).
    std::string text() {
        char chunk[4096];
        ssize_t n;
        while ((n = ::read(pipe_[0], chunk, sizeof chunk)) > 0)
            text_.append(chunk, static_cast<size_t>(n));
        return text_;
    }

  private:
    int pipe_[2] = {-1, -1};
    std::string text_;
};

// What on_complete was told, copied (the Request is gone after the call).
struct Completion {
    int status = 0;
    std::string target;
    bool has_headers = false;
    std::vector<std::pair<std::string, std::string>> headers;
    uint64_t body_bytes = 0;
    std::chrono::system_clock::time_point arrived;
    std::chrono::microseconds duration{0};
    bool error_path = false;
};

// A real event loop and HttpServer in a thread, with an AppHandler in front of the
// test's app, fed by blocking clients in the test's thread.
class AppHandlerTest : public ::testing::Test {
  protected:
    void start(App& app, AppHandlerOptions options = {}, net::HttpOptions http = {},
               const net::ListenAddress& address = {"127.0.0.1", 0, ""}) {
        auto opened = net::open_listener(address, net::ListenOptions{});
        ASSERT_TRUE(opened.ok()) << opened.error();
        listen_fd_ = *opened;
        port_ = net::bound_port(listen_fd_);
        options.on_complete = [this](const AccessRecord& done) {
            Completion c;
            c.status = done.status;
            c.target = std::string(done.request.target);
            c.has_headers = done.response_headers != nullptr;
            if (done.response_headers)
                for (const ResponseHeader& h : *done.response_headers)
                    c.headers.emplace_back(h.name, h.value);
            c.body_bytes = done.body_bytes;
            c.arrived = done.start;
            c.error_path = done.error_path;
            c.duration = done.duration;
            std::lock_guard lock(completions_mutex_);
            completions_.push_back(std::move(c));
        };
        handler_ = std::make_unique<AppHandler>(loop_, app, std::move(options));
        server_ = std::make_unique<net::HttpServer>(loop_, *handler_, std::move(http));
        server_->listen(listen_fd_);
        thread_ = std::thread([this] { loop_.run(); });
    }

    void TearDown() override {
        gate_.open();  // no app call stays blocked on the test
        if (thread_.joinable()) {
            EXPECT_TRUE(eventually([&] { return in_flight() == 0; })) << "app calls left running";
            loop_.stop();
            thread_.join();
        }
        server_.reset();
        handler_.reset();
        if (listen_fd_ >= 0) ::close(listen_fd_);
    }

    template <class Fn>
    auto on_loop(Fn fn) -> decltype(fn()) {
        std::packaged_task<decltype(fn())()> task(std::move(fn));
        auto result = task.get_future();
        loop_.post([&task] { task(); });
        return result.get();
    }
    uint64_t completed() {
        return on_loop([&] { return handler_->completed(); });
    }
    size_t in_flight() {
        return on_loop([&] { return handler_->in_flight(); });
    }
    std::chrono::milliseconds longest_busy() {
        return on_loop([&] { return handler_->longest_busy(); });
    }
    size_t connection_count() {
        return on_loop([&] { return server_->connection_count(); });
    }
    std::vector<Completion> completions() {
        std::lock_guard lock(completions_mutex_);
        return completions_;
    }
    // Waits for `n` completions, then returns them.
    std::vector<Completion> completions(size_t n) {
        EXPECT_TRUE(eventually([&] { return completions().size() >= n; }));
        return completions();
    }

    // The app, made here so that it outlives the handler's threads.
    LambdaApp& make_app(CallFn fn) {
        app_ = std::make_unique<LambdaApp>(std::move(fn));
        return *app_;
    }

    net::EventLoop loop_;
    std::unique_ptr<LambdaApp> app_;
    std::unique_ptr<AppHandler> handler_;
    std::unique_ptr<net::HttpServer> server_;
    std::thread thread_;
    int listen_fd_ = -1;
    uint16_t port_ = 0;
    Gate gate_;
    std::atomic<int> closes_{0};
    std::mutex completions_mutex_;
    std::vector<Completion> completions_;
};

// --- in-memory bodies ---

TEST_F(AppHandlerTest, InMemoryBodyWithALengthIsOneResponseWithThatLength) {
    LambdaApp& app = make_app([](const Request&, StartResponse& start, std::string&) {
        EXPECT_EQ(start.start("200 OK", {{"Content-Type", "text/plain"}, {"Content-Length", "14"}}),
                  "");
        return body_of("Hello, World!\n");
    });
    start(app);
    Client client(port_);
    ASSERT_TRUE(client.send(get("/")));
    Response r = client.read_response();
    EXPECT_EQ(r.status_line, "HTTP/1.1 200 OK");
    EXPECT_EQ(r.header("Content-Length"), "14");
    EXPECT_FALSE(r.has_header("Transfer-Encoding"));
    EXPECT_EQ(r.header("Content-Type"), "text/plain");
    EXPECT_EQ(r.header("Connection"), "keep-alive");
    EXPECT_TRUE(r.has_header("Date"));
    EXPECT_TRUE(contains(r.header("Server"), "strata")) << r.head;
    EXPECT_EQ(r.body, "Hello, World!\n");
    ASSERT_TRUE(client.send(get("/again")));
    EXPECT_EQ(client.read_response().body, "Hello, World!\n");
}

TEST_F(AppHandlerTest, InMemoryBodyWithoutALengthIsChunkedOnHttp11) {
    LambdaApp& app = make_app([](const Request&, StartResponse& start, std::string&) {
        start.start("200 OK", {{"Content-Type", "text/plain"}});
        return body_of("no length");
    });
    start(app);
    Client client(port_);
    ASSERT_TRUE(client.send(get("/")));
    Response r = client.read_response();
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(r.chunked);
    EXPECT_FALSE(r.has_header("Content-Length"));
    EXPECT_EQ(r.body, "no length");
    EXPECT_EQ(r.header("Connection"), "keep-alive");
    ASSERT_TRUE(client.send(get("/again")));
    EXPECT_EQ(client.read_response().body, "no length");
}

TEST_F(AppHandlerTest, InMemoryBodyWithoutALengthOnHttp10EndsWithTheConnection) {
    LambdaApp& app = make_app([](const Request&, StartResponse& start, std::string&) {
        start.start("200 OK", {});
        return body_of("until close");
    });
    start(app);
    Client client(port_);
    ASSERT_TRUE(client.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    Response r = client.read_head();
    EXPECT_EQ(r.status, 200);
    EXPECT_FALSE(r.has_header("Content-Length"));
    EXPECT_FALSE(r.has_header("Transfer-Encoding"));
    EXPECT_EQ(r.header("Connection"), "close");
    bool closed = false;
    EXPECT_EQ(client.read_to_end(&closed), "until close");
    EXPECT_TRUE(closed);
}

TEST_F(AppHandlerTest, InMemoryBodyOfManyPartsIsGatheredIntoOneResponse) {
    LambdaApp& app = make_app([this](const Request&, StartResponse& start, std::string&) {
        start.start("200 OK", {{"Content-Length", "12"}});
        auto body = parts({"ab", "", "cdef", "ghijkl"}, &closes_);
        body->memory = true;
        return std::unique_ptr<Body>(std::move(body));
    });
    start(app);
    Client client(port_);
    ASSERT_TRUE(client.send(get("/")));
    Response r = client.read_response();
    EXPECT_EQ(r.header("Content-Length"), "12");
    EXPECT_EQ(r.body, "abcdefghijkl");
    EXPECT_EQ(closes_, 1);
}

TEST_F(AppHandlerTest, LargeInMemoryBodyStreamsPastTheGatherLimit) {
    const std::string big = pattern(1 << 20);
    LambdaApp& app = make_app([&](const Request&, StartResponse& start, std::string&) {
        start.start("200 OK", {});
        auto body = parts({big.substr(0, 300'000), big.substr(300'000)}, &closes_);
        body->memory = true;
        return std::unique_ptr<Body>(std::move(body));
    });
    start(app);
    Client client(port_);
    ASSERT_TRUE(client.send(get("/")));
    Response r = client.read_response();
    EXPECT_TRUE(r.chunked);
    EXPECT_TRUE(r.body == big) << r.body.size();
    EXPECT_EQ(closes_, 1);
}

// --- HEAD and bodiless statuses ---

TEST_F(AppHandlerTest, HeadRequestGetsTheHeadOnly) {
    LambdaApp& app = make_app([](const Request& request, StartResponse& start, std::string&) {
        if (request.path == "/empty") {  // the app knows HEAD and sends no body
            start.start("200 OK", {{"Content-Length", "1234"}});
            return body_of("");
        }
        start.start("200 OK", {{"Content-Length", "5"}});
        return body_of("hello");
    });
    LogCapture log;
    start(app);
    Client client(port_);
    for (std::string_view path : {"/", "/empty"}) {
        ASSERT_TRUE(client.send("HEAD " + std::string(path) + " HTTP/1.1\r\nHost: t\r\n\r\n"));
        Response r = client.read_response(true);
        EXPECT_EQ(r.status, 200) << path;
        EXPECT_EQ(r.header("Content-Length"), path == "/" ? "5" : "1234") << path;
        EXPECT_EQ(r.header("Connection"), "keep-alive") << path;
    }
    // Were any body bytes sent, this would read them as the next response.
    ASSERT_TRUE(client.send(get("/")));
    EXPECT_EQ(client.read_response().body, "hello");
    EXPECT_FALSE(contains(log.text(), "shorter than its Content-Length")) << log.text();
}

TEST_F(AppHandlerTest, HeadRequestToAStreamingAppGetsTheHeadOnly) {
    LambdaApp& app = make_app([this](const Request&, StartResponse& start, std::string&) {
        start.start("200 OK", {});
        start.write("written");
        return std::unique_ptr<Body>(parts({"streamed", std::string(300'000, 'x')}, &closes_));
    });
    start(app);
    Client client(port_);
    ASSERT_TRUE(client.send("HEAD / HTTP/1.1\r\nHost: t\r\n\r\n"));
    Response r = client.read_response(true);
    EXPECT_EQ(r.status, 200);
    EXPECT_FALSE(r.has_header("Transfer-Encoding"));
    EXPECT_EQ(r.header("Connection"), "keep-alive");
    ASSERT_TRUE(client.send("HEAD / HTTP/1.1\r\nHost: t\r\n\r\n"));
    EXPECT_EQ(client.read_response(true).status, 200);
    EXPECT_TRUE(eventually([&] { return closes_ == 2; }));
}

TEST_F(AppHandlerTest, HeadToAnEndlessStreamGetsItsHeadAtTheFirstBytes) {
    LambdaApp& app = make_app([this](const Request& request, StartResponse& start, std::string&) {
        start.start("200 OK", {{"Content-Type", "text/event-stream"}});
        if (request.path == "/file") {
            int step = 0;
            return std::unique_ptr<Body>(std::make_unique<FnBody>(
                [this, step]() mutable {
                    if (step++ == 0)
                        return BodyPart::of_file(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC), 0,
                                                 100'000);
                    EXPECT_TRUE(gate_.pass());
                    return BodyPart::end_of_body();
                },
                &closes_));
        }
        auto body = parts({"event 1", "event 2"}, &closes_);
        body->before_part = [this](size_t i) {
            if (i == 1) {
                EXPECT_TRUE(gate_.pass());  // the stream goes quiet for a long time
            }
        };
        return std::unique_ptr<Body>(std::move(body));
    });
    start(app);
    Client client(port_);
    for (std::string_view target : {"/events", "/file"}) {
        ASSERT_TRUE(client.send("HEAD " + std::string(target) + " HTTP/1.1\r\nHost: t\r\n\r\n"));
        Response r = client.read_head();  // before the stream goes on
        EXPECT_EQ(r.status, 200) << target;
        EXPECT_EQ(r.header("Content-Type"), "text/event-stream") << target;
        gate_.allow();
    }
    EXPECT_TRUE(eventually([&] { return closes_ == 2; }));
}

TEST_F(AppHandlerTest, NotModifiedWithTheAppsLengthSendsNoBodyAndKeepsTheConnection) {
    LambdaApp& app = make_app([](const Request&, StartResponse& start, std::string&) {
        start.start("304 Not Modified", {{"ETag", "\"x\""}, {"Content-Length", "10"}});
        return body_of("");
    });
    start(app);
    Client client(port_);
    for (int i = 0; i < 2; ++i) {
        ASSERT_TRUE(client.send(get("/")));
        Response r = client.read_response();
        EXPECT_EQ(r.status, 304);
        EXPECT_EQ(r.header("ETag"), "\"x\"");
        EXPECT_EQ(r.header("Connection"), "keep-alive");
    }
}

TEST_F(AppHandlerTest, BodilessStatusesCarryNoFraming) {
    // RFC 9112 §6.1: no Transfer-Encoding in a 1xx or 204 response (nor, pointlessly,
    // in a 304); and no body whatever the app returns.
    LambdaApp& app = make_app([this](const Request& request, StartResponse& start,
                                     std::string&) -> std::unique_ptr<Body> {
        start.start(request.path == "/204" ? "204 No Content" : "304 Not Modified", {});
        if (request.query == "streamed") return parts({"dropped"}, &closes_);
        return body_of(request.query == "empty" ? "" : "dropped");
    });
    start(app);
    Client client(port_);
    for (std::string_view target : {"/204?empty", "/204?memory", "/204?streamed", "/304?empty",
                                    "/304?memory", "/304?streamed"}) {
        ASSERT_TRUE(client.send(get(target)));
        Response r = client.read_response();
        EXPECT_EQ(r.status, target.substr(1, 3) == "204" ? 204 : 304) << target;
        EXPECT_FALSE(r.has_header("Transfer-Encoding")) << target << "\n" << r.head;
        EXPECT_FALSE(r.has_header("Content-Length")) << target << "\n" << r.head;
        EXPECT_EQ(r.header("Connection"), "keep-alive") << target;
    }
    // Were a body or a last chunk sent, this would read it as the next response.
    for (std::string_view target : {"/204?memory", "/304?streamed"}) {
        ASSERT_TRUE(client.send("GET " + std::string(target) +
                                " HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
        Response r = client.read_response();
        EXPECT_FALSE(r.has_header("Transfer-Encoding")) << target;
        EXPECT_EQ(r.header("Connection"), "keep-alive") << target << ": nothing to delimit";
    }
    ASSERT_TRUE(client.send(get("/204?empty")));
    EXPECT_EQ(client.read_response().status, 204);
}

// --- streamed bodies ---

TEST_F(AppHandlerTest, StreamedPartsReachTheClientBeforeTheNextIsProduced) {
    // Each part waits for the test, which lets it through only once the client holds the
    // part before: were any part held back, the client would wait for it in vain.
    LambdaApp& app = make_app([this](const Request&, StartResponse& start, std::string&) {
        start.start("200 OK", {{"Content-Type", "text/event-stream"}});
        auto body = parts({"one", "two", "three"}, &closes_);
        body->before_part = [this](size_t i) {
            if (i > 0) {
                EXPECT_TRUE(gate_.pass());
            }
        };
        return std::unique_ptr<Body>(std::move(body));
    });
    start(app);
    Client client(port_);
    ASSERT_TRUE(client.send(get("/events")));
    Response head = client.read_head();
    ASSERT_EQ(head.status, 200);
    EXPECT_EQ(head.header("Transfer-Encoding"), "chunked");
    for (std::string_view part : {"one", "two", "three"}) {
        EXPECT_EQ(client.read_chunk(), std::string(part));
        gate_.allow();
    }
    EXPECT_EQ(client.read_chunk(), "") << "the last chunk";
    EXPECT_TRUE(eventually([&] { return closes_ == 1; }));
}

TEST_F(AppHandlerTest, StreamedPartsWithALengthAlsoGoOutOneByOne) {
    LambdaApp& app = make_app([this](const Request&, StartResponse& start, std::string&) {
        start.start("200 OK", {{"Content-Length", "6"}});
        auto body = parts({"ab", "cd", "ef"}, &closes_);
        body->before_part = [this](size_t i) {
            if (i > 0) {
                EXPECT_TRUE(gate_.pass());
            }
        };
        return std::unique_ptr<Body>(std::move(body));
    });
    start(app);
    Client client(port_);
    ASSERT_TRUE(client.send(get("/")));
    Response head = client.read_head();
    EXPECT_EQ(head.header("Content-Length"), "6");
    std::string body;
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(client.read_exactly(2, body));
        gate_.allow();
    }
    EXPECT_EQ(body, "abcdef");
    ASSERT_TRUE(client.send(get("/")));
    gate_.open();
    EXPECT_EQ(client.read_response().body, "abcdef");
}

TEST_F(AppHandlerTest, WriteGoesOutAheadOfAndAmongTheBodyParts) {
    LambdaApp& app = make_app([this](const Request&, StartResponse& start, std::string&) {
        start.start("200 OK", {});
        EXPECT_TRUE(start.write("w1-"));
        EXPECT_TRUE(start.write(""));  // nothing: no empty chunk (it would end the body)
        EXPECT_TRUE(start.write("w2-"));
        auto body = parts({"p1-", "p2"}, &closes_);
        body->before_part = [&start](size_t i) {
            if (i == 1) {
                EXPECT_TRUE(start.write("w3-"));  // from inside the iteration
            }
        };
        return std::unique_ptr<Body>(std::move(body));
    });
    start(app);
    Client client(port_);
    ASSERT_TRUE(client.send(get("/")));
    Response r = client.read_response();
    EXPECT_TRUE(r.chunked);
    EXPECT_EQ(r.body, "w1-w2-p1-w3-p2");
    EXPECT_TRUE(eventually([&] { return closes_ == 1; }));
}

TEST_F(AppHandlerTest, WriteBeforeStartResponseFails) {
    LambdaApp& app = make_app([](const Request&, StartResponse& start, std::string&) {
        EXPECT_FALSE(start.write("too early"));
        EXPECT_TRUE(contains(start.error(), "start_response")) << start.error();
        start.start("200 OK", {{"Content-Length", "2"}});
        return body_of("ok");
    });
    start(app);
    Client client(port_);
    ASSERT_TRUE(client.send(get("/")));
    EXPECT_EQ(client.read_response().body, "ok");
}

TEST_F(AppHandlerTest, FilePartIsStreamed) {
    char path[] = "/tmp/strata-app-handler-XXXXXX";
    int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    ::unlink(path);
    const std::string file = pattern(500'000);
    ASSERT_EQ(::write(fd, file.data(), file.size()), static_cast<ssize_t>(file.size()));
    LambdaApp& app = make_app([&](const Request& request, StartResponse& start, std::string&) {
        bool with_length = request.path == "/length";
        ResponseHeaders headers;
        if (with_length) headers.push_back({"Content-Length", std::to_string(4 + 400'000 + 100)});
        start.start("200 OK", headers);
        int step = 0;
        return std::unique_ptr<Body>(std::make_unique<FnBody>(
            [&, step]() mutable {
                switch (step++) {
                    case 0:
                        return BodyPart::of_bytes("head");
                    case 1:
                        return BodyPart::of_file(::dup(fd), 1000, 400'000);
                    case 2:
                        return BodyPart::of_file(::dup(fd), 0, 100);  // read into memory
                    default:
                        return BodyPart::end_of_body();
                }
            },
            &closes_));
    });
    start(app);
    const std::string expected = "head" + file.substr(1000, 400'000) + file.substr(0, 100);
    Client client(port_);
    for (std::string_view target : {"/length", "/chunked"}) {
        ASSERT_TRUE(client.send(get(target)));
        bool complete = false;
        Response r = client.read_response(false, &complete);
        EXPECT_TRUE(complete) << target;
        EXPECT_EQ(r.chunked, target == "/chunked");
        EXPECT_EQ(r.body.size(), expected.size()) << target;
        EXPECT_TRUE(r.body == expected) << target;
    }
    EXPECT_TRUE(eventually([&] { return closes_ == 2; }));
    ::close(fd);  // the bodies are done with it
}

TEST_F(AppHandlerTest, FilePartPastTheContentLengthIsCut) {
    char path[] = "/tmp/strata-app-handler-XXXXXX";
    int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    ::unlink(path);
    const std::string file = pattern(100'000);
    ASSERT_EQ(::write(fd, file.data(), file.size()), static_cast<ssize_t>(file.size()));
    LambdaApp& app = make_app([&](const Request&, StartResponse& start, std::string&) {
        start.start("200 OK", {{"Content-Length", "50000"}});
        int step = 0;
        return std::unique_ptr<Body>(std::make_unique<FnBody>(
            [&, step]() mutable {
                switch (step++) {
                    case 0:
                        return BodyPart::of_file(::dup(fd), 0, 100'000);
                    case 1:
                        return BodyPart::of_file(::dup(fd), 0, 100);  // past the length
                    default:
                        return BodyPart::end_of_body();
                }
            },
            &closes_));
    });
    int before = ::dup(0);
    ::close(before);
    start(app);
    Client client(port_);
    ASSERT_TRUE(client.send(get("/")));
    Response r = client.read_response();
    EXPECT_EQ(r.body.size(), 50'000u);
    EXPECT_TRUE(r.body == file.substr(0, 50'000));
    ASSERT_TRUE(client.send(get("/")));  // the connection lives on
    EXPECT_EQ(client.read_response().body.size(), 50'000u);
    EXPECT_TRUE(eventually([&] { return completed() == 2; }));
    ::close(fd);  // the body is done with it
    int after = ::dup(0);
    ::close(after);
    EXPECT_LE(after, before + 4) << "file parts' descriptors leaked";  // loop, listener, client
}

// --- status and headers ---

TEST_F(AppHandlerTest, CustomStatusTextGoesOnTheWire) {
    LambdaApp& app = make_app([](const Request& request, StartResponse& start, std::string&) {
        start.start(request.path == "/bare" ? "299" : "299 Fine By Me",
                    {{"Content-Length", "0"}, {"Server", "my-app/2"}, {"X-Custom", "yes"}});
        return body_of("");
    });
    start(app);
    Client client(port_);
    ASSERT_TRUE(client.send(get("/")));
    Response r = client.read_response();
    EXPECT_EQ(r.status_line, "HTTP/1.1 299 Fine By Me");
    EXPECT_EQ(r.header("Server"), "my-app/2") << "the app's Server replaces the default";
    EXPECT_EQ(r.head.find("\r\nServer: "), r.head.rfind("\r\nServer: ")) << "one Server header";
    EXPECT_EQ(r.header("X-Custom"), "yes");
    ASSERT_TRUE(client.send(get("/bare")));
    EXPECT_EQ(client.read_response().status_line, "HTTP/1.1 299 ")
        << "status-code SP [reason-phrase]";
}

TEST_F(AppHandlerTest, HopByHopHeaderFromTheAppIsA500) {
    LogCapture log;
    std::string start_error;
    LambdaApp& app =
        make_app([&](const Request& request, StartResponse& start, std::string& error) {
            std::string e = start.start("200 OK", {{"Transfer-Encoding", "chunked"}});
            start_error = e;
            if (request.path == "/raise") {  // as the WSGI bridge does: the error is raised
                error = e;
                return std::unique_ptr<Body>();
            }
            return body_of("ignored the error");  // no start_response took effect
        });
    start(app);
    for (std::string_view target : {"/raise", "/ignore"}) {
        Client client(port_);
        ASSERT_TRUE(client.send(get(target)));
        Response r = client.read_response();
        EXPECT_EQ(r.status, 500) << target;
        EXPECT_FALSE(contains(r.body, "ignored")) << target;
        EXPECT_FALSE(contains(r.head, "Transfer-Encoding")) << target;
    }
    completions(2);  // the app calls are over (and ordered before this thread reads)
    EXPECT_TRUE(contains(start_error, "hop-by-hop")) << start_error;
    EXPECT_TRUE(eventually([&] { return contains(log.text(), "hop-by-hop header"); }))
        << log.text();
}

TEST_F(AppHandlerTest, StartResponseNeverCalledIsA500) {
    LogCapture log;
    LambdaApp& app = make_app(
        [this](const Request& request, StartResponse&, std::string&) -> std::unique_ptr<Body> {
            if (request.path == "/empty") return parts({}, &closes_);
            return parts({"body without a head"}, &closes_);
        });
    start(app);
    for (std::string_view target : {"/empty", "/bytes"}) {
        Client client(port_);
        ASSERT_TRUE(client.send(get(target)));
        Response r = client.read_response();
        EXPECT_EQ(r.status, 500) << target;
        EXPECT_EQ(r.header("Connection"), "close") << target;
    }
    EXPECT_TRUE(eventually([&] { return closes_ == 2; }));
    std::string logged = log.text();
    EXPECT_TRUE(contains(logged, "never called start_response()")) << logged;
    EXPECT_TRUE(contains(logged, "before calling start_response()")) << logged;
    auto done = completions(2);
    for (const Completion& c : done) {
        EXPECT_EQ(c.status, 500);
        EXPECT_FALSE(c.has_headers);
    }
}

TEST_F(AppHandlerTest, SecondStartResponseWithoutReplaceIsRefused) {
    std::string second;
    LambdaApp& app = make_app([&](const Request&, StartResponse& start, std::string&) {
        start.start("201 Created", {{"Content-Length", "2"}});
        second = start.start("500 Oops", {});
        return body_of("ok");
    });
    start(app);
    Client client(port_);
    ASSERT_TRUE(client.send(get("/")));
    Response r = client.read_response();
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(r.body, "ok");
    completions(1);  // the app call is over (and ordered before this thread reads)
    EXPECT_TRUE(contains(second, "second time")) << second;
}

TEST_F(AppHandlerTest, ReplaceBeforeTheHeadWentOutTakesEffect) {
    LambdaApp& app = make_app([](const Request&, StartResponse& start, std::string&) {
        start.start("200 OK", {{"X-First", "1"}, {"Content-Length", "100"}});
        // The app failed: PEP 3333's start_response(status, headers, exc_info).
        EXPECT_EQ(start.start("500 App Failed", {{"Content-Type", "text/plain"}}, true), "");
        return body_of("error page");
    });
    start(app);
    Client client(port_);
    ASSERT_TRUE(client.send(get("/")));
    Response r = client.read_response();
    EXPECT_EQ(r.status_line, "HTTP/1.1 500 App Failed");
    EXPECT_FALSE(r.has_header("X-First"));
    EXPECT_EQ(r.header("Content-Type"), "text/plain");
    EXPECT_EQ(r.body, "error page");
    EXPECT_EQ(r.header("Connection"), "keep-alive") << "the app's own 500 is a normal response";
}

TEST_F(AppHandlerTest, ReplaceAfterTheHeadWentOutIsRefusedAndTheConnectionCut) {
    LogCapture log;
    std::string refused;
    std::atomic<bool> returned{false};
    LambdaApp& app = make_app([&](const Request&, StartResponse& start, std::string& error) {
        start.start("200 OK", {});
        EXPECT_TRUE(start.write("partial"));
        refused = start.start("500 App Failed", {}, true);
        returned = true;
        error = "ValueError: re-raised";  // the bridge re-raises exc_info
        return std::unique_ptr<Body>();
    });
    start(app);
    Client client(port_);
    ASSERT_TRUE(client.send(get("/") + get("/never")));
    bool complete = true;
    Response r = client.read_response(false, &complete);
    EXPECT_EQ(r.status, 200);
    EXPECT_FALSE(complete);
    EXPECT_EQ(r.body, "partial");
    bool closed = false;
    EXPECT_EQ(client.read_to_end(&closed), "");
    EXPECT_TRUE(closed);
    ASSERT_TRUE(eventually([&] { return returned.load(); }));
    EXPECT_TRUE(contains(refused, "already sent")) << refused;
    EXPECT_TRUE(eventually([&] { return contains(log.text(), "ValueError: re-raised"); }));
    EXPECT_EQ(app.calls, 1) << "the pipelined request is not served on a cut connection";
}

// --- app failures ---

// A native app's exception is a failing app, not a dead worker.
TEST_F(AppHandlerTest, AppThrowingGetsA500AndTheWorkerServesOn) {
    LogCapture log;
    LambdaApp& app = make_app(
        [](const Request& request, StartResponse& start, std::string&) -> std::unique_ptr<Body> {
            if (request.path == "/throw") throw std::runtime_error("native boom");
            start.start("200 OK", {{"Content-Length", "2"}});
            return body_of("ok");
        });
    start(app);
    {
        Client client(port_);
        ASSERT_TRUE(client.send(get("/throw")));
        EXPECT_EQ(client.read_response().status, 500);
    }
    Client client(port_);
    ASSERT_TRUE(client.send(get("/fine")));
    Response r = client.read_response();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "ok");
    EXPECT_TRUE(eventually([&] { return contains(log.text(), "native boom"); }));
}

TEST_F(AppHandlerTest, AppFailingBeforeItsHeadGetsA500AndTheConnectionCloses) {
    LogCapture log;
    LambdaApp& app = make_app([](const Request& request, StartResponse& start, std::string& error) {
        if (request.path == "/after-start") start.start("200 OK", {{"X-Lost", "1"}});
        error = "RuntimeError: boom";
        return std::unique_ptr<Body>();
    });
    start(app);
    for (std::string_view target : {"/before-start", "/after-start"}) {
        Client client(port_);
        ASSERT_TRUE(client.send(get(target) + get("/next")));
        Response r = client.read_response();
        EXPECT_EQ(r.status, 500) << target;
        EXPECT_FALSE(r.has_header("X-Lost"));
        EXPECT_EQ(r.header("Connection"), "close");
        bool closed = false;
        EXPECT_EQ(client.read_to_end(&closed), "");
        EXPECT_TRUE(closed);
    }
    EXPECT_EQ(app.calls, 2);
    EXPECT_TRUE(eventually([&] { return contains(log.text(), "RuntimeError: boom"); }));
    EXPECT_TRUE(contains(log.text(), "/before-start")) << "the log names the request";
    for (const Completion& c : completions(2)) {
        EXPECT_EQ(c.status, 500) << c.target;
        EXPECT_FALSE(c.has_headers) << c.target << ": the app's headers never went out";
        EXPECT_TRUE(c.error_path) << c.target << ": logged as gunicorn logs its own 500";
    }
}

TEST_F(AppHandlerTest, BodyErrorBeforeTheHeadIsA500) {
    LambdaApp& app = make_app([this](const Request&, StartResponse& start, std::string&) {
        start.start("200 OK", {});
        auto body = parts({}, &closes_);
        body->ending = BodyPart::failure("KeyError: 'x'");
        return std::unique_ptr<Body>(std::move(body));
    });
    start(app);
    Client client(port_);
    ASSERT_TRUE(client.send(get("/")));
    EXPECT_EQ(client.read_response().status, 500);
    EXPECT_TRUE(eventually([&] { return closes_ == 1; }));
}

TEST_F(AppHandlerTest, BodyErrorAfterTheHeadWentOutCutsTheConnection) {
    LambdaApp& app = make_app([this](const Request& request, StartResponse& start, std::string&) {
        ResponseHeaders headers;
        if (request.path == "/length") headers.push_back({"Content-Length", "100"});
        start.start("200 OK", headers);
        auto body = parts({"first part"}, &closes_);
        body->ending = BodyPart::failure("");
        return std::unique_ptr<Body>(std::move(body));
    });
    LogCapture log;
    start(app);
    for (std::string_view target : {"/length", "/chunked"}) {
        Client client(port_);
        ASSERT_TRUE(client.send(get(target) + get("/next")));
        bool complete = true;
        Response r = client.read_response(false, &complete);
        EXPECT_EQ(r.status, 200) << target;
        EXPECT_FALSE(complete) << target;
        EXPECT_EQ(r.body, "first part") << target;
        bool closed = false;
        client.read_to_end(&closed);
        EXPECT_TRUE(closed) << target;
    }
    EXPECT_TRUE(eventually([&] { return closes_ == 2; }));
    EXPECT_EQ(app.calls, 2);
    EXPECT_TRUE(eventually([&] { return contains(log.text(), "body failed"); })) << log.text();
}

TEST_F(AppHandlerTest, ContentLengthLongerThanTheBodyCutsTheConnectionAndIsLogged) {
    LogCapture log;
    LambdaApp& app = make_app([this](const Request& request, StartResponse& start, std::string&) {
        start.start("200 OK", {{"Content-Length", "10"}});
        auto body = parts({"short"}, &closes_);
        body->memory = request.path == "/memory";
        return std::unique_ptr<Body>(std::move(body));
    });
    start(app);
    for (std::string_view target : {"/memory", "/streamed"}) {
        Client client(port_);
        ASSERT_TRUE(client.send(get(target) + get("/next")));
        bool complete = true;
        Response r = client.read_response(false, &complete);
        EXPECT_EQ(r.status, 200) << target;
        EXPECT_EQ(r.header("Content-Length"), "10") << target;
        EXPECT_FALSE(complete) << target;
        EXPECT_EQ(r.body, "short") << target;
        bool closed = false;
        client.read_to_end(&closed);
        EXPECT_TRUE(closed) << target;
    }
    EXPECT_EQ(app.calls, 2);
    EXPECT_TRUE(eventually([&] {
        return contains(log.text(), "shorter than its Content-Length (5 of 10 bytes)");
    })) << log.text();
}

TEST_F(AppHandlerTest, BodyLongerThanContentLengthIsTruncated) {
    LambdaApp& app = make_app([this](const Request& request, StartResponse& start, std::string&) {
        start.start("200 OK", {{"Content-Length", "8"}});
        if (request.path == "/write") start.write("0123");
        auto body = parts({"abcdef", "ghij", "never"}, &closes_);
        body->memory = request.path == "/memory";
        return std::unique_ptr<Body>(std::move(body));
    });
    start(app);
    Client client(port_);
    struct Case {
        std::string_view target, body;
    };
    for (const Case& c :
         {Case{"/memory", "abcdefgh"}, Case{"/streamed", "abcdefgh"}, Case{"/write", "0123abcd"}}) {
        ASSERT_TRUE(client.send(get(c.target)));
        Response r = client.read_response();
        EXPECT_EQ(r.header("Content-Length"), "8") << c.target;
        EXPECT_EQ(r.body, c.body) << c.target;
        EXPECT_EQ(r.header("Connection"), "keep-alive") << c.target;
    }
    ASSERT_TRUE(client.send(get("/memory")));  // the framing held: the connection lives on
    EXPECT_EQ(client.read_response().body, "abcdefgh");
    EXPECT_TRUE(eventually([&] { return closes_ == 4; }));
    for (const Completion& c : completions(4))
        EXPECT_EQ(c.body_bytes, 8u) << c.target;
}

// --- close() ---

TEST_F(AppHandlerTest, BodyIsClosedExactlyOnceOnSuccessAndOnFailure) {
    LambdaApp& app = make_app([this](const Request& request, StartResponse& start, std::string&) {
        if (request.path != "/no-start") start.start("200 OK", {});
        auto body = parts({"a", "b"}, &closes_);
        if (request.path == "/error") body->ending = BodyPart::failure("failed");
        return std::unique_ptr<Body>(std::move(body));
    });
    start(app);
    int expected = 0;
    for (std::string_view target : {"/ok", "/error", "/no-start", "/ok"}) {
        Client client(port_);
        ASSERT_TRUE(client.send(get(target)));
        client.read_response();
        ++expected;
        EXPECT_TRUE(eventually([&] { return completed() == static_cast<uint64_t>(expected); }));
        EXPECT_EQ(closes_, expected) << target;
    }
}

// A body that keeps the request to its end, as an iterable holding its environ does.
class RequestHoldingBody final : public Body {
  public:
    RequestHoldingBody(const Request& request, std::function<void(const Request&)> on_destroy)
        : request_(request), on_destroy_(std::move(on_destroy)) {}
    ~RequestHoldingBody() override { on_destroy_(request_); }
    BodyPart next() override {
        if (done_) return BodyPart::end_of_body();
        done_ = true;
        text_ = std::string(request_.path);
        return BodyPart::of_bytes(text_);
    }

  private:
    const Request& request_;
    std::function<void(const Request&)> on_destroy_;
    std::string text_;
    bool done_ = false;
};

TEST_F(AppHandlerTest, BodyIsDestroyedWhileItsRequestStillExists) {
    std::atomic<int> destroyed{0};
    std::atomic<size_t> completions_by_then{99};
    LambdaApp& app = make_app([&](const Request& request, StartResponse& start, std::string&) {
        start.start("200 OK", {});
        return std::make_unique<RequestHoldingBody>(request, [&](const Request& r) {
            // Give a request finished too early the time to be freed: were the body
            // destroyed after the final message, the loop would finish the job meanwhile.
            eventually([&] { return !completions().empty(); }, 300ms);
            completions_by_then = completions().size();
            EXPECT_EQ(r.method, "GET");  // ASan: use after free, were the job gone
            ++destroyed;
        });
    });
    start(app);
    Client client(port_);
    ASSERT_TRUE(client.send(get("/held")));
    EXPECT_EQ(client.read_response().body, "/held");
    EXPECT_TRUE(eventually([&] { return destroyed == 1; }));
    EXPECT_EQ(completions_by_then, 0u) << "destroyed after its request was finished and freed";
}

TEST_F(AppHandlerTest, ClientGoneMidStreamFailsTheNextWriteAndClosesTheBody) {
    std::atomic<bool> failed{false};
    std::atomic<int64_t> failed_ms{-1};
    std::atomic<uint64_t> produced{0};
    Clock::time_point reset_at;
    std::mutex reset_mutex;
    LambdaApp& app = make_app([&](const Request&, StartResponse& start, std::string&) {
        start.start("200 OK", {});
        std::string piece(64 * 1024, 'x');
        for (int i = 0; i < 100'000 && !failed; ++i) {
            if (start.write(piece)) {
                produced += piece.size();
                continue;
            }
            EXPECT_EQ(start.error(), "") << "a client that left is no app error";
            std::lock_guard lock(reset_mutex);
            failed_ms = ms_since(reset_at);
            failed = true;
        }
        return std::unique_ptr<Body>(parts({"never sent"}, &closes_));
    });
    AppHandlerOptions options;
    options.stream_window = 256 * 1024;
    start(app, options);
    {
        Client client(port_, 64 * 1024);
        ASSERT_TRUE(client.send(get("/")));
        Response head = client.read_head();
        ASSERT_EQ(head.status, 200);
        std::string some;
        ASSERT_TRUE(client.read_exactly(100'000, some));
        std::lock_guard lock(reset_mutex);
        reset_at = Clock::now();
        client.reset();
    }
    ASSERT_TRUE(eventually([&] { return failed.load(); })) << "write() kept succeeding";
    EXPECT_GE(failed_ms, 0);
    EXPECT_LT(failed_ms, 5000) << "write() must fail promptly";
    EXPECT_TRUE(eventually([&] { return closes_ == 1; }));
    EXPECT_TRUE(eventually([&] { return in_flight() == 0; }));
    EXPECT_TRUE(eventually([&] { return connection_count() == 0; }));
    auto done = completions(1);
    EXPECT_EQ(done[0].status, 200);
    EXPECT_LT(done[0].body_bytes, 100u << 20);
}

// Waits until `produced` has not moved for a while with the app inside write().
bool blocked_in_write(const std::atomic<uint64_t>& produced, const std::atomic<bool>& in_write) {
    uint64_t seen = 0;
    auto still_since = Clock::now();
    return eventually([&] {
        uint64_t now = produced;
        if (now != seen) {
            seen = now;
            still_since = Clock::now();
        }
        return now > 0 && in_write && ms_since(still_since) > 300;
    });
}

TEST_F(AppHandlerTest, ClientGoneWhileTheAppIsBlockedInWriteWakesIt) {
    std::atomic<bool> returned{false};
    std::atomic<bool> write_result{true};
    std::atomic<bool> in_write{false};
    std::atomic<uint64_t> produced{0};
    LambdaApp& app = make_app([&](const Request&, StartResponse& start, std::string&) {
        start.start("200 OK", {});
        std::string piece(64 * 1024, 'x');
        bool ok = true;
        while (ok) {
            in_write = true;
            ok = start.write(piece);
            in_write = false;
            if (ok) produced += piece.size();
        }
        write_result = ok;
        returned = true;
        return std::unique_ptr<Body>(parts({}, &closes_));
    });
    AppHandlerOptions options;
    options.stream_window = 256 * 1024;
    start(app, options);
    Client client(port_, 16 * 1024);
    ASSERT_TRUE(client.send(get("/")));
    ASSERT_EQ(client.read_head().status, 200);
    // The client reads no more: the app ends up waiting in write().
    ASSERT_TRUE(blocked_in_write(produced, in_write));
    EXPECT_FALSE(returned);
    client.reset();
    EXPECT_TRUE(eventually([&] { return returned.load(); }));
    EXPECT_FALSE(write_result);
    EXPECT_TRUE(eventually([&] { return closes_ == 1; }));
    EXPECT_TRUE(eventually([&] { return connection_count() == 0; }));
}

TEST_F(AppHandlerTest, ClientGoneBeforeTheAppRanSkipsTheApp) {
    LambdaApp& app = make_app([this](const Request& request, StartResponse& start, std::string&) {
        if (request.path == "/block") {
            EXPECT_TRUE(gate_.pass());
        }
        start.start("200 OK", {{"Content-Length", "2"}});
        return std::unique_ptr<Body>(parts({"ok"}, &closes_));
    });
    start(app);  // one app thread
    Client first(port_);
    ASSERT_TRUE(first.send(get("/block")));
    ASSERT_TRUE(gate_.wait_for_waiters(1));
    {
        Client second(port_);
        ASSERT_TRUE(second.send(get("/skipped")));
        ASSERT_TRUE(eventually([&] { return in_flight() == 2; }));
        second.reset();  // on loopback the reset has arrived when close() returns
    }
    // A round trip through the loop: it has handled the reset by the time a task posted
    // after it runs.
    on_loop([] { return 0; });
    on_loop([] { return 0; });
    gate_.open();
    EXPECT_EQ(first.read_response().body, "ok");
    auto done = completions(2);
    ASSERT_EQ(done.size(), 2u);
    EXPECT_EQ(done[1].target, "/skipped");
    EXPECT_EQ(done[1].status, 0) << "nothing was sent";
    EXPECT_FALSE(done[1].has_headers);
    EXPECT_EQ(app.calls, 1) << "the app is not called for a client that left";
    EXPECT_EQ(closes_, 1);
    EXPECT_TRUE(eventually([&] { return connection_count() == 1; }));
}

TEST_F(AppHandlerTest, ClientGoneBeforeTheHeadWentOutSendsNothing) {
    LambdaApp& app = make_app([this](const Request&, StartResponse& start, std::string&) {
        start.start("200 OK", {{"X-Never", "sent"}});
        EXPECT_TRUE(gate_.pass());  // the client leaves meanwhile
        return std::unique_ptr<Body>(parts({"never sent"}, &closes_));
    });
    start(app);
    {
        Client client(port_);
        ASSERT_TRUE(client.send(get("/")));
        ASSERT_TRUE(gate_.wait_for_waiters(1));
        client.reset();
    }
    // The loop has seen the reset: a posted task may run before the I/O events of the
    // same turn, so give it time and two more turns (one under load was not enough).
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    on_loop([] { return 0; });
    on_loop([] { return 0; });
    gate_.open();
    auto done = completions(1);
    EXPECT_EQ(done[0].status, 0) << "nothing was sent";
    EXPECT_FALSE(done[0].has_headers);
    EXPECT_EQ(done[0].body_bytes, 0u);
    EXPECT_EQ(closes_, 1);
    EXPECT_TRUE(eventually([&] { return connection_count() == 0; }));
}

// --- back-pressure ---

uint64_t read_sysctl(const char* path, int field) {
    std::ifstream in(path);
    uint64_t value = 0;
    for (int i = 0; i <= field; ++i)
        in >> value;
    return value;
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
// <sanitizer/allocator_interface.h>, which GCC does not install.
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#endif

// Heap bytes in use now (the sanitizers' allocators keep their own count; RSS would
// count their quarantine).
uint64_t heap_in_use() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    return __sanitizer_get_current_allocated_bytes();
#else
    struct mallinfo2 m = ::mallinfo2();
    return m.uordblks + m.hblkhd;
#endif
}

TEST_F(AppHandlerTest, SlowClientBlocksTheAppInWriteInsteadOfBufferingTheResponse) {
    constexpr uint64_t kTotal = 50ull << 20;
    constexpr uint64_t kPiece = 64 * 1024;
    constexpr uint64_t kWindow = 256 * 1024;
    std::atomic<uint64_t> produced{0};
    std::atomic<bool> in_write{false};
    LambdaApp& app = make_app([&](const Request&, StartResponse& start, std::string&) {
        start.start("200 OK", {{"Content-Length", std::to_string(kTotal)}});
        for (uint64_t at = 0; at < kTotal; at += kPiece) {
            std::string piece = pattern(kPiece, at);
            in_write = true;
            bool ok = start.write(piece);
            in_write = false;
            if (!ok) break;
            produced += kPiece;
        }
        return body_of("");
    });
    AppHandlerOptions options;
    options.stream_window = kWindow;
    start(app, options);
    uint64_t heap_before = heap_in_use();
    Client client(port_, 64 * 1024);
    ASSERT_TRUE(client.send(get("/big")));
    // Wait until the app stops making progress: it is blocked in write().
    ASSERT_TRUE(blocked_in_write(produced, in_write))
        << "the app never blocked; produced " << produced;
    // What may be in flight: the window, both sockets' buffers, and a piece in hand.
    uint64_t socket_buffers = read_sysctl("/proc/sys/net/ipv4/tcp_wmem", 2) +
                              read_sysctl("/proc/sys/net/ipv4/tcp_rmem", 2);
    EXPECT_LE(produced, kWindow + socket_buffers + 2 * kPiece);
    EXPECT_LT(produced, kTotal / 2);
    EXPECT_GT(longest_busy(), 300ms);
    // The server holds at most the window (and a piece or two on its way), not the 50 MiB.
    uint64_t heap_now = heap_in_use();
    EXPECT_LT(heap_now > heap_before ? heap_now - heap_before : 0, kWindow + (4u << 20))
        << "the server buffered the response";
    // Reading resumes it, and every byte arrives intact and in order.
    Response head = client.read_head();
    ASSERT_EQ(head.status, 200);
    uint64_t received = 0;
    bool intact = true;
    std::string piece;
    while (received < kTotal) {
        piece.clear();
        uint64_t n = std::min<uint64_t>(kTotal - received, 1 << 20);
        ASSERT_TRUE(client.read_exactly(n, piece)) << "ended after " << received;
        intact = intact && piece == pattern(n, received);
        received += n;
    }
    EXPECT_TRUE(intact);
    EXPECT_EQ(produced, kTotal);
    ASSERT_TRUE(client.send(get("/again")));  // complete: the connection lives on
    head = client.read_head();
    EXPECT_EQ(head.status, 200);
    client.reset();
}

// --- many requests ---

TEST_F(AppHandlerTest, ManyConcurrentConnectionsAreAllAnsweredByFourThreads) {
    constexpr int kThreads = 4;
    constexpr int kClients = 48;
    std::atomic<int> arrived{0};
    LambdaApp& app = make_app([&](const Request& request, StartResponse& start, std::string&) {
        // The first four calls wait for one another: only four threads get them all in.
        if (++arrived <= kThreads) {
            EXPECT_TRUE(eventually([&] { return arrived >= kThreads; }))
                << "fewer than " << kThreads << " app threads run at once";
        }
        std::string text = "answer to " + std::string(request.path);
        start.start("200 OK", {{"Content-Length", std::to_string(text.size())}});
        return body_of(text);
    });
    AppHandlerOptions options;
    options.threads = kThreads;
    start(app, options);
    std::vector<std::unique_ptr<Client>> clients;
    for (int i = 0; i < kClients; ++i) {
        clients.push_back(std::make_unique<Client>(port_));
        ASSERT_TRUE(clients.back()->send(get("/c" + std::to_string(i))));
    }
    for (int round = 0; round < 2; ++round) {
        for (int i = 0; i < kClients; ++i) {
            Response r = clients[i]->read_response();
            ASSERT_EQ(r.status, 200) << i;
            EXPECT_EQ(r.body, "answer to /c" + std::to_string(i));
            if (round == 0) {
                ASSERT_TRUE(clients[i]->send(get("/c" + std::to_string(i))));
            }
        }
    }
    EXPECT_TRUE(eventually([&] { return completed() == 2 * kClients; }));
    EXPECT_EQ(in_flight(), 0u);
}

TEST_F(AppHandlerTest, PipelinedRequestsAreAnsweredInOrder) {
    LambdaApp& app = make_app([this](const Request& request, StartResponse& start,
                                     std::string&) -> std::unique_ptr<Body> {
        std::string name(request.path.substr(1));
        if (name == "memory") {
            start.start("200 OK", {{"Content-Length", std::to_string(name.size())}});
            return body_of(name);
        }
        if (name == "chunked") {
            start.start("200 OK", {});
            return parts({"chun", "ked"}, &closes_);
        }
        if (name == "write") {
            start.start("200 OK", {{"Content-Length", "5"}});
            start.write("wr");
            return parts({"ite"}, &closes_);
        }
        if (name == "large") {
            start.start("200 OK", {});
            return parts({pattern(300'000)}, &closes_);
        }
        start.start("404 Not Found", {{"Content-Length", "0"}});
        return body_of("");
    });
    AppHandlerOptions options;
    options.threads = 4;
    start(app, options);
    Client client(port_);
    std::vector<std::string> names = {"memory", "chunked", "nothing", "write", "large", "memory"};
    std::string wire;
    for (const std::string& n : names)
        wire += get("/" + n);
    ASSERT_TRUE(client.send(wire));
    for (const std::string& n : names) {
        Response r = client.read_response();
        if (n == "nothing") {
            EXPECT_EQ(r.status, 404);
            continue;
        }
        ASSERT_EQ(r.status, 200) << n;
        if (n == "large") {
            EXPECT_TRUE(r.body == pattern(300'000));
        } else {
            EXPECT_EQ(r.body, n) << n;
        }
    }
}

// --- the request as the app sees it ---

TEST_F(AppHandlerTest, AppSeesTheRequest) {
    LambdaApp& app = make_app([](const Request& r, StartResponse& start, std::string&) {
        std::string text = std::string(r.method) + "|" + std::string(r.path) + "|" +
                           std::string(r.query) + "|" + std::string(r.protocol) + "|" +
                           r.remote_addr + "|" + r.server_name + "|" + r.server_port + "|" +
                           r.url_scheme + "|" + std::string(r.find("x-test")) + "|" +
                           std::to_string(r.body.size()) + "|" + std::string(r.body.memory());
        start.start("200 OK", {{"Content-Length", std::to_string(text.size())}});
        return body_of(text);
    });
    start(app);
    Client client(port_);
    ASSERT_TRUE(
        client.send("PUT /a%20b?x=1&y HTTP/1.1\r\nHost: example.com:8081\r\nX-Test: yes\r\n"
                    "X-Forwarded-Proto: https\r\nContent-Length: 4\r\n\r\nbody"));
    EXPECT_EQ(client.read_response().body,
              "PUT|/a%20b|x=1&y|HTTP/1.1|127.0.0.1|example.com|8081|https|yes|4|body");
    ASSERT_TRUE(client.send("GET / HTTP/1.0\r\n\r\n"));
    EXPECT_EQ(client.read_response().body,
              "GET|/||HTTP/1.0|127.0.0.1|127.0.0.1|" + std::to_string(port_) + "|http||0|");
}

TEST_F(AppHandlerTest, AppSeesAUnixSocketPeer) {
    LambdaApp& app = make_app([](const Request& r, StartResponse& start, std::string&) {
        std::string text = std::to_string(r.unix_socket) + "|" + r.remote_addr + "|" +
                           std::to_string(r.remote_port) + "|" + r.server_name + "|" +
                           r.server_port + "|" + r.url_scheme;
        start.start("200 OK", {{"Content-Length", std::to_string(text.size())}});
        return body_of(text);
    });
    std::string path = "/tmp/strata-app-handler-" + std::to_string(::getpid()) + ".sock";
    start(app, {}, {}, {"", 0, path});
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0)
        << strerror(errno);
    timeval timeout{kReceiveTimeoutMs / 1000, 0};
    ASSERT_EQ(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout), 0);
    // A proxy on the same machine, telling the scheme: trusted, as gunicorn trusts it.
    std::string request = "GET / HTTP/1.0\r\nHost: app.example\r\nX-Forwarded-Proto: https\r\n\r\n";
    ASSERT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(request.size()));
    std::string wire;
    char chunk[4096];
    ssize_t n;
    while ((n = ::recv(fd, chunk, sizeof chunk, 0)) > 0)
        wire.append(chunk, static_cast<size_t>(n));
    ::close(fd);
    ::unlink(path.c_str());
    ASSERT_NE(wire.find("\r\n\r\n"), std::string::npos) << wire;
    EXPECT_EQ(wire.substr(wire.find("\r\n\r\n") + 4), "1||0|app.example|443|https");
}

TEST_F(AppHandlerTest, LargeUploadIsSpooledAndReadBackIntact) {
    constexpr uint64_t kSize = 20 << 20;
    const std::string upload = pattern(kSize);
    const uint64_t expected = digest(upload);
    LambdaApp& app = make_app([](const Request& r, StartResponse& start, std::string&) {
        uint64_t h = digest("");
        uint64_t at = 0;
        std::string chunk(64 * 1024, '\0');
        while (size_t n = r.body.read(at, chunk.data(), chunk.size())) {
            h = digest(std::string_view(chunk.data(), n), h);
            at += n;
        }
        std::string text = "spooled=" + std::to_string(r.body.spooled()) +
                           " size=" + std::to_string(r.body.size()) +
                           " read=" + std::to_string(at) + " digest=" + std::to_string(h);
        start.start("200 OK", {{"Content-Length", std::to_string(text.size())}});
        return body_of(text);
    });
    net::HttpOptions http;
    http.body_memory_limit = 64 * 1024;
    http.parser.limits.body = 64 << 20;
    start(app, {}, http);
    Client client(port_);
    std::future<bool> sent = std::async(std::launch::async, [&] {
        return client.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: " +
                           std::to_string(kSize) + "\r\n\r\n") &&
               client.send(upload);
    });
    Response r = client.read_response();
    ASSERT_TRUE(sent.get());
    EXPECT_EQ(r.body, "spooled=1 size=" + std::to_string(kSize) + " read=" + std::to_string(kSize) +
                          " digest=" + std::to_string(expected));
    // A small body on the same connection stays in memory.
    ASSERT_TRUE(client.send("POST /small HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"));
    EXPECT_EQ(client.read_response().body,
              "spooled=0 size=3 read=3 digest=" + std::to_string(digest("abc")));
}

// --- the handler's counters ---

TEST_F(AppHandlerTest, LongestBusyGrowsWhileAnAppCallIsBlocked) {
    LambdaApp& app = make_app([this](const Request&, StartResponse& start, std::string&) {
        EXPECT_TRUE(gate_.pass());
        start.start("200 OK", {{"Content-Length", "4"}});
        return body_of("done");
    });
    start(app);
    EXPECT_EQ(longest_busy(), 0ms);
    Client client(port_);
    ASSERT_TRUE(client.send(get("/")));
    ASSERT_TRUE(gate_.wait_for_waiters(1));
    std::chrono::milliseconds first{0};
    ASSERT_TRUE(eventually([&] { return (first = longest_busy()) >= 50ms; }));
    std::chrono::milliseconds second{0};
    ASSERT_TRUE(eventually([&] { return (second = longest_busy()) >= first + 50ms; }));
    gate_.allow();
    EXPECT_EQ(client.read_response().body, "done");
    EXPECT_TRUE(eventually([&] { return longest_busy() == 0ms; }));
}

TEST_F(AppHandlerTest, CompletedAndInFlightCountRequests) {
    LambdaApp& app = make_app([this](const Request&, StartResponse& start, std::string&) {
        EXPECT_TRUE(gate_.pass());
        start.start("200 OK", {{"Content-Length", "2"}});
        return body_of("ok");
    });
    start(app);  // one thread: the second request waits in the queue
    EXPECT_EQ(completed(), 0u);
    EXPECT_EQ(in_flight(), 0u);
    Client a(port_), b(port_);
    ASSERT_TRUE(a.send(get("/a")));
    ASSERT_TRUE(b.send(get("/b")));
    ASSERT_TRUE(eventually([&] { return in_flight() == 2; }));
    EXPECT_EQ(completed(), 0u);
    gate_.allow();
    ASSERT_TRUE(eventually([&] { return completed() == 1; }));
    EXPECT_EQ(in_flight(), 1u);
    gate_.allow();
    ASSERT_TRUE(eventually([&] { return completed() == 2; }));
    EXPECT_EQ(in_flight(), 0u);
    EXPECT_EQ(a.read_response().body, "ok");
    EXPECT_EQ(b.read_response().body, "ok");
}

TEST_F(AppHandlerTest, OnCompleteHearsStatusHeadersAndBodyBytes) {
    LambdaApp& app = make_app([this](const Request& request, StartResponse& start,
                                     std::string& error) -> std::unique_ptr<Body> {
        if (request.path == "/fail") {
            error = "failed";
            return nullptr;
        }
        if (request.path == "/stream") {
            start.start("201 Created", {{"X-Kind", "stream"}});
            return parts({"12345", "678"}, &closes_);
        }
        start.start("200 OK", {{"Content-Type", "text/plain"}, {"Content-Length", "5"}});
        return body_of("hello");
    });
    LogCapture log;  // the failure's line
    start(app);
    auto before = std::chrono::system_clock::now();
    for (std::string_view target : {"/memory", "/stream", "/fail"}) {
        Client client(port_);
        ASSERT_TRUE(client.send(get(target)));
        client.read_response();
    }
    auto done = completions(3);
    ASSERT_EQ(done.size(), 3u);
    EXPECT_EQ(done[0].target, "/memory");
    EXPECT_EQ(done[0].status, 200);
    ASSERT_TRUE(done[0].has_headers);
    ASSERT_EQ(done[0].headers.size(), 1u) << "Content-Length is the server's own";
    EXPECT_EQ(done[0].headers[0],
              std::make_pair(std::string("Content-Type"), std::string("text/plain")));
    EXPECT_EQ(done[0].body_bytes, 5u);
    EXPECT_EQ(done[1].target, "/stream");
    EXPECT_EQ(done[1].status, 201);
    ASSERT_EQ(done[1].headers.size(), 1u);
    EXPECT_EQ(done[1].headers[0].second, "stream");
    EXPECT_EQ(done[1].body_bytes, 8u);
    EXPECT_EQ(done[2].target, "/fail");
    EXPECT_EQ(done[2].status, 500);
    EXPECT_FALSE(done[2].has_headers);
    EXPECT_EQ(done[2].body_bytes, 0u);
    EXPECT_FALSE(done[0].error_path);
    EXPECT_FALSE(done[1].error_path);
    EXPECT_TRUE(done[2].error_path);
    for (const Completion& c : done) {
        EXPECT_GE(c.arrived, before - 1s) << c.target;
        EXPECT_GE(c.duration.count(), 0) << c.target;
    }
}

}  // namespace
}  // namespace strata::gateway
