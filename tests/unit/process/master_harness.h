// A master in a forked child of the test, serving a tiny front end: its configuration
// is a file "<generation> <workers> [modes]" ("bad" fails to load), and its workers
// answer "<pid> <generation>" on "/", the same a second later on "/slow". "/freeze"
// blocks the worker's loop for good. Modes, comma-separated: crash, boot-fail; busy
// (reports a request in the app since the worker started); abort (an abort hook);
// retire ("/retire" and "/retire-slow" retire the worker); record (the worker notes its
// start and fast stop). Workers note events in "<dir>/events" as "<pid> <event>".
// Forked without exec: the test process has no other threads at that point, and the
// child leaves with _exit(), so gtest never runs twice.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/core.h>

#include "strata/base/log.h"
#include "strata/net/event_loop.h"
#include "strata/net/http_server.h"
#include "strata/net/listener.h"
#include "strata/process/http_worker.h"
#include "strata/process/master.h"

namespace strata::process::testing {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Upper bound for anything to happen, generous for a loaded machine.
constexpr auto kPatience = 15s;
constexpr uint64_t kSlowResponseMs = 1000;

inline std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Written aside and renamed, so the master never reads half a file.
inline void write_text(const std::string& path, const std::string& text) {
    std::string temporary = path + ".tmp";
    std::ofstream(temporary) << text;
    std::filesystem::rename(temporary, path);
}

inline void append_text(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::app) << text;
}

// ---- the front end the master runs -------------------------------------------------

struct TestConfig {
    std::string generation;
    std::string mode;  // comma-separated modes, see above

    bool has(const std::string& name) const {
        return ("," + mode + ",").find("," + name + ",") != std::string::npos;
    }
};

inline void note_event(const std::string& dir, const std::string& event) {
    append_text(dir + "/events", fmt::format("{} {}\n", getpid(), event));
}

class TestHandler final : public net::HttpHandler {
  public:
    TestHandler(net::EventLoop& loop, std::string generation, std::function<void()>& retire)
        : loop_(loop), generation_(std::move(generation)), retire_(retire) {}

    void handle(net::Exchange& exchange) override {
        std::string_view target = exchange.request().target;
        if (target == "/freeze") std::this_thread::sleep_for(60s);  // the loop stops beating
        if ((target == "/retire" || target == "/retire-slow") && retire_) retire_();
        if (target != "/slow" && target != "/retire-slow") return answer(exchange);
        auto timer = std::make_unique<net::Timer>();
        timer->set_callback([this, &exchange] { answer(exchange); });
        loop_.arm(*timer, kSlowResponseMs);
        pending_.push_back(std::move(timer));
    }

  private:
    void answer(net::Exchange& exchange) {
        net::ResponseHead head;
        head.content_type = "text/plain";
        exchange.respond(head, fmt::format("{} {}", getpid(), generation_));
    }

    net::EventLoop& loop_;
    std::string generation_;
    std::function<void()>& retire_;
    std::vector<std::unique_ptr<net::Timer>> pending_;
};

inline HttpWorkerOptions test_worker_options(const TestConfig& config, const std::string& dir,
                                             std::function<void()>& retire) {
    HttpWorkerOptions options;
    options.reopen_logs = [dir] { append_text(dir + "/reopened", fmt::format("worker\n")); };
    if (config.has("busy")) {
        uint64_t since = monotonic_ms();
        options.busy_since = [since] { return since; };
    }
    if (config.has("abort")) options.on_abort = [dir] { note_event(dir, "aborted"); };
    if (config.has("record")) options.on_fast_stop = [dir] { note_event(dir, "fast_stop"); };
    if (config.has("retire")) {
        options.on_started = [&retire](std::function<void()> fn) { retire = std::move(fn); };
    }
    return options;
}

inline int run_test_worker(const TestConfig& config, WorkerContext& context,
                           const std::string& dir) {
    rlimit no_core{0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);  // aborted workers leave no core files about
    if (config.has("crash")) return 1;
    if (config.has("boot-fail")) return kWorkerBootFailed;
    if (config.has("record")) note_event(dir, fmt::format("run {}", context.slot));
    net::EventLoop loop;
    std::function<void()> retire;
    TestHandler handler(loop, config.generation, retire);
    net::HttpServer server(loop, handler);
    return serve_http_worker(loop, server, context, test_worker_options(config, dir, retire));
}

inline Result<Generation, std::string> load_test_config(const std::string& dir) {
    std::istringstream in(read_text(dir + "/config"));
    auto config = std::make_shared<TestConfig>();
    unsigned workers = 1;
    in >> config->generation >> workers >> config->mode;
    if (config->generation == "bad") return Err(fmt::format("{}/config:1: bad configuration", dir));
    Generation generation;
    generation.listen.push_back({net::parse_listen_address("127.0.0.1:0").value(), {}});
    generation.worker_processes = workers;
    generation.run_worker = [config, dir](WorkerContext& context) {
        return run_test_worker(*config, context, dir);
    };
    return generation;
}

// A test's changes to the master's options, applied in the master's process.
using Customize = std::function<void(MasterOptions& options, const std::string& dir)>;

inline int run_test_master(const std::string& dir, int ready_fd, SignalMap signals,
                           const Customize& customize) {
    int log_fd = ::open((dir + "/error.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    log::set_fd(log_fd);
    log::set_level(log::Level::notice);
    MasterOptions options;
    options.load = [dir] { return load_test_config(dir); };
    options.signals = std::move(signals);
    options.pid_file = dir + "/strata.pid";
    options.when_ready = [ready_fd](const std::vector<int>& fds) {
        std::string line = fmt::format("{}\n", net::bound_port(fds.at(0)));
        [[maybe_unused]] ssize_t n = ::write(ready_fd, line.data(), line.size());
        ::close(ready_fd);
    };
    options.reopen_logs = [dir] { append_text(dir + "/reopened", "master\n"); };
    if (customize) customize(options, dir);
    return run_master(std::move(options));
}

// ---- the client ---------------------------------------------------------------------

struct Reply {
    bool ok = false;  // a whole response arrived
    int status = 0;
    std::string body;
    std::string error;
};

inline Reply http_get(uint16_t port, const std::string& path) {
    Reply reply;
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval timeout{static_cast<time_t>(kPatience.count()), 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        reply.error = fmt::format("connect: {}", strerror(errno));
        ::close(fd);
        return reply;
    }
    std::string request =
        fmt::format("GET {} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", path);
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
        reply.error = fmt::format("send: {}", strerror(errno));
    }
    std::string response;
    char buffer[4096];
    ssize_t n;
    while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0)
        response.append(buffer, static_cast<size_t>(n));
    if (n < 0) reply.error = fmt::format("recv: {}", strerror(errno));
    ::close(fd);
    size_t end_of_head = response.find("\r\n\r\n");
    if (end_of_head == std::string::npos || response.size() < 12) {
        if (reply.error.empty()) reply.error = fmt::format("incomplete response \"{}\"", response);
        return reply;
    }
    reply.status = std::atoi(response.c_str() + 9);
    reply.body = response.substr(end_of_head + 4);
    reply.ok = true;
    return reply;
}

// "<pid> <generation>" from a worker.
struct Answer {
    pid_t pid = 0;
    std::string generation;
};

inline Answer parse_answer(const Reply& reply) {
    Answer answer;
    std::istringstream in(reply.body);
    in >> answer.pid >> answer.generation;
    return answer;
}

inline bool process_exists(pid_t pid) {
    return ::kill(pid, 0) == 0;
}

// ---- the fixture --------------------------------------------------------------------

class MasterTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char pattern[] = "/tmp/strata-process-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        dir_ = pattern;
    }

    void TearDown() override {
        if (master_ > 0) {
            ::kill(-master_, SIGKILL);  // the master's process group: it and its workers
            ::waitpid(master_, nullptr, 0);
        }
        std::filesystem::remove_all(dir_);
    }

    // Starts a master with `config`; port_ is 0 if it did not become ready.
    void start(const std::string& config, SignalMap signals = nginx_signals(),
               Customize customize = {}) {
        write_config(config);
        int ready[2];
        ASSERT_EQ(::pipe2(ready, O_CLOEXEC), 0);
        master_ = ::fork();
        ASSERT_GE(master_, 0);
        if (master_ == 0) {
            ::setpgid(0, 0);
            ::close(ready[0]);
            ::_exit(run_test_master(dir_, ready[1], std::move(signals), customize));
        }
        ::setpgid(master_, master_);
        ::close(ready[1]);
        port_ = read_port(ready[0]);
        ::close(ready[0]);
    }

    static uint16_t read_port(int fd) {
        std::string text;
        auto deadline = Clock::now() + kPatience;
        while (text.find('\n') == std::string::npos && Clock::now() < deadline) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            char buffer[32];
            ssize_t n = ::read(fd, buffer, sizeof buffer);
            if (n <= 0) break;
            text.append(buffer, static_cast<size_t>(n));
        }
        return static_cast<uint16_t>(std::atoi(text.c_str()));
    }

    void write_config(const std::string& config) { write_text(dir_ + "/config", config); }
    std::string error_log() const { return read_text(dir_ + "/error.log"); }
    std::string events() const { return read_text(dir_ + "/events"); }
    std::string pid_file() const { return dir_ + "/strata.pid"; }

    void signal_master(int signo) { ASSERT_EQ(::kill(master_, signo), 0); }

    // The master's exit status, or -1 if it is still running after `patience`.
    int wait_exit(std::chrono::milliseconds patience = kPatience) {
        auto deadline = Clock::now() + patience;
        while (Clock::now() < deadline) {
            int status = 0;
            if (::waitpid(master_, &status, WNOHANG) == master_) {
                master_ = 0;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            std::this_thread::sleep_for(10ms);
        }
        return -1;
    }

    // Asks until `count` distinct workers of `generation` have answered.
    std::set<pid_t> workers_answering(const std::string& generation, size_t count) {
        std::set<pid_t> pids;
        auto deadline = Clock::now() + kPatience;
        while (pids.size() < count && Clock::now() < deadline) {
            Answer answer = parse_answer(http_get(port_, "/"));
            if (answer.generation == generation) pids.insert(answer.pid);
        }
        return pids;
    }

    // Waits until `predicate` holds; false if it never did.
    template <class Predicate>
    static bool eventually(Predicate predicate) {
        auto deadline = Clock::now() + kPatience;
        while (Clock::now() < deadline) {
            if (predicate()) return true;
            std::this_thread::sleep_for(10ms);
        }
        return predicate();
    }

    std::string dir_;
    pid_t master_ = 0;
    uint16_t port_ = 0;
};

}  // namespace strata::process::testing
