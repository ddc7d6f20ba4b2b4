#include "strata/net/listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "strata/base/log.h"

namespace strata::net {
namespace {

constexpr uint64_t kSafetyMs = 10'000;

struct ParseCase {
    const char* text;
    const char* host;
    uint16_t port;
    const char* unix_path;
};

TEST(ParseListenAddress, AcceptsNginxForms) {
    const ParseCase cases[] = {
        {"8080", "", 8080, ""},
        {"0", "", 0, ""},
        {"127.0.0.1:8080", "127.0.0.1", 8080, ""},
        {"127.0.0.1", "127.0.0.1", 80, ""},  // nginx's default port
        {"0.0.0.0:65535", "0.0.0.0", 65535, ""},
        {"[::]:8080", "::", 8080, ""},
        {"[::1]:0", "::1", 0, ""},
        {"[::1]", "::1", 80, ""},
        {"[fe80::1:2]:443", "fe80::1:2", 443, ""},
        {"*:80", "", 80, ""},
        {"*", "", 80, ""},
        {"unix:/run/strata.sock", "", 0, "/run/strata.sock"},
        {"unix:relative.sock", "", 0, "relative.sock"},
    };
    for (const ParseCase& c : cases) {
        auto parsed = parse_listen_address(c.text);
        ASSERT_TRUE(parsed.ok()) << c.text << ": " << parsed.error();
        EXPECT_EQ(parsed->host, c.host) << c.text;
        EXPECT_EQ(parsed->port, c.port) << c.text;
        EXPECT_EQ(parsed->unix_path, c.unix_path) << c.text;
    }
}

TEST(ParseListenAddress, ResolvesNamesToNumericHosts) {
    auto parsed = parse_listen_address("localhost:8081");
    ASSERT_TRUE(parsed.ok()) << parsed.error();
    EXPECT_TRUE(parsed->host == "127.0.0.1" || parsed->host == "::1") << parsed->host;
    EXPECT_EQ(parsed->port, 8081);
}

struct ErrorCase {
    std::string text;
    std::string error;
};

TEST(ParseListenAddress, RejectsWithNginxStyleErrors) {
    const std::string long_path(200, 'p');
    const ErrorCase cases[] = {
        {"127.0.0.1:99999", "invalid port in \"127.0.0.1:99999\""},
        {"65536", "invalid port in \"65536\""},
        {"0000080000", "invalid port in \"0000080000\""},
        {"127.0.0.1:", "invalid port in \"127.0.0.1:\""},
        {"127.0.0.1:80x", "invalid port in \"127.0.0.1:80x\""},
        {"127.0.0.1:-1", "invalid port in \"127.0.0.1:-1\""},
        {"", "invalid port in \"\""},
        {":80", "invalid host in \":80\""},
        {"::1:80", "invalid host in \"::1:80\""},
        {"[::1", "invalid host in \"[::1\""},
        {"[::1]x", "invalid port in \"[::1]x\""},
        {"[::1]:", "invalid port in \"[::1]:\""},
        {"[::1]:70000", "invalid port in \"[::1]:70000\""},
        {"[localhost]:80", "invalid IPv6 address in \"[localhost]:80\""},
        {"[1.2.3.4]:80", "invalid IPv6 address in \"[1.2.3.4]:80\""},
        {"no-such-host.invalid:80", "host not found in \"no-such-host.invalid:80\""},
        // nginx's own wording, "in" included.
        {"unix:", "no path in the unix domain socket in \"unix:\""},
        {"unix:/" + long_path,
         "too long path in the unix domain socket in \"unix:/" + long_path + "\""},
    };
    for (const ErrorCase& c : cases) {
        auto parsed = parse_listen_address(c.text);
        ASSERT_FALSE(parsed.ok()) << c.text;
        EXPECT_EQ(parsed.error(), c.error);
    }
}

struct Fd {
    int fd = -1;
    explicit Fd(int value) : fd(value) {}
    ~Fd() {
        if (fd >= 0) close(fd);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
};

ListenAddress loopback(uint16_t port = 0) {
    ListenAddress address;
    address.host = "127.0.0.1";
    address.port = port;
    return address;
}

int int_option(int fd, int level, int option) {
    int value = -1;
    socklen_t length = sizeof value;
    EXPECT_EQ(getsockopt(fd, level, option, &value, &length), 0);
    return value;
}

// A blocking client connected to 127.0.0.1:port; the kernel completes the handshake
// before accept().
int connect_v4(uint16_t port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0)
        << strerror(errno);
    return fd;
}

uint16_t local_port(int fd) {
    sockaddr_in address{};
    socklen_t length = sizeof address;
    EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
    return ntohs(address.sin_port);
}

std::string temp_socket_path(const char* name) {
    return ::testing::TempDir() + "strata_" + std::to_string(getpid()) + "_" + name;
}

TEST(OpenListener, BindsLoopbackNonBlockingAndCloseOnExec) {
    auto opened = open_listener(loopback(), ListenOptions{});
    ASSERT_TRUE(opened.ok()) << opened.error();
    Fd listener(*opened);
    EXPECT_TRUE(fcntl(listener.fd, F_GETFL) & O_NONBLOCK);
    EXPECT_TRUE(fcntl(listener.fd, F_GETFD) & FD_CLOEXEC);
    EXPECT_NE(int_option(listener.fd, SOL_SOCKET, SO_REUSEADDR), 0);
    EXPECT_EQ(int_option(listener.fd, SOL_SOCKET, SO_REUSEPORT), 0);
    EXPECT_NE(int_option(listener.fd, SOL_SOCKET, SO_ACCEPTCONN), 0);
    uint16_t port = bound_port(listener.fd);
    EXPECT_NE(port, 0);
    Fd client(connect_v4(port));
}

TEST(OpenListener, AllIpv4AddressesForAnEmptyHost) {
    ListenAddress address;  // as "listen 0"
    auto opened = open_listener(address, ListenOptions{});
    ASSERT_TRUE(opened.ok()) << opened.error();
    Fd listener(*opened);
    sockaddr_in bound{};
    socklen_t length = sizeof bound;
    ASSERT_EQ(getsockname(listener.fd, reinterpret_cast<sockaddr*>(&bound), &length), 0);
    EXPECT_EQ(bound.sin_family, AF_INET);
    EXPECT_EQ(bound.sin_addr.s_addr, htonl(INADDR_ANY));
    Fd client(connect_v4(bound_port(listener.fd)));
}

TEST(OpenListener, SecondBindWithoutReuseportFailsNamingTheAddress) {
    auto first = open_listener(loopback(), ListenOptions{});
    ASSERT_TRUE(first.ok()) << first.error();
    Fd listener(*first);
    uint16_t port = bound_port(listener.fd);
    auto second = open_listener(loopback(port), ListenOptions{});
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error(), "bind() to 127.0.0.1:" + std::to_string(port) +
                                  " failed (98: Address already in use)");
}

TEST(OpenListener, ReuseportLetsTwoListenersShareAPort) {
    ListenOptions options;
    options.reuseport = true;
    auto first = open_listener(loopback(), options);
    ASSERT_TRUE(first.ok()) << first.error();
    Fd one(*first);
    EXPECT_NE(int_option(one.fd, SOL_SOCKET, SO_REUSEPORT), 0);
    auto second = open_listener(loopback(bound_port(one.fd)), options);
    ASSERT_TRUE(second.ok()) << second.error();
    Fd two(*second);
    EXPECT_EQ(bound_port(two.fd), bound_port(one.fd));
}

bool ipv4_connect_succeeds(uint16_t port) {
    Fd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return connect(fd.fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
}

// On [::] the option decides whether IPv4 clients reach the socket too.
TEST(OpenListener, Ipv6OnlyFollowsTheOption) {
    for (bool v6only : {true, false}) {
        ListenAddress address;
        address.host = "::";
        ListenOptions options;
        options.ipv6only = v6only;
        auto opened = open_listener(address, options);
        ASSERT_TRUE(opened.ok()) << opened.error();
        Fd listener(*opened);
        EXPECT_EQ(int_option(listener.fd, IPPROTO_IPV6, IPV6_V6ONLY) != 0, v6only);
        uint16_t port = bound_port(listener.fd);
        EXPECT_NE(port, 0);
        EXPECT_EQ(ipv4_connect_succeeds(port), !v6only) << "v6only=" << v6only;
    }
}

TEST(OpenListener, InvalidHostIsReported) {
    ListenAddress address;
    address.host = "not-an-address";
    address.port = 80;
    auto opened = open_listener(address, ListenOptions{});
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error(), "invalid listen address not-an-address:80");
}

TEST(OpenListener, UnixSocketReplacesAStaleSocketFile) {
    std::string path = temp_socket_path("stale.sock");
    ListenAddress address;
    address.unix_path = path;
    auto first = open_listener(address, ListenOptions{});
    ASSERT_TRUE(first.ok()) << first.error();
    close(*first);  // leaves the socket file behind, as a crashed server would
    struct stat status {};
    ASSERT_EQ(stat(path.c_str(), &status), 0);
    auto second = open_listener(address, ListenOptions{});
    ASSERT_TRUE(second.ok()) << second.error();
    Fd listener(*second);
    EXPECT_EQ(bound_port(listener.fd), 0);

    Fd client(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un un{};
    un.sun_family = AF_UNIX;
    std::strncpy(un.sun_path, path.c_str(), sizeof un.sun_path - 1);
    EXPECT_EQ(connect(client.fd, reinterpret_cast<sockaddr*>(&un), sizeof un), 0);
    unlink(path.c_str());
}

TEST(OpenListener, UnixSocketNeverDeletesARegularFile) {
    std::string path = temp_socket_path("regular");
    Fd file(open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
    ASSERT_GE(file.fd, 0);
    ListenAddress address;
    address.unix_path = path;
    auto opened = open_listener(address, ListenOptions{});
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error(), "bind() to unix:" + path + " failed (98: Address already in use)");
    struct stat status {};
    EXPECT_EQ(stat(path.c_str(), &status), 0);
    EXPECT_TRUE(S_ISREG(status.st_mode));
    unlink(path.c_str());
}

TEST(PeerAddress, TextAndPortPerFamily) {
    PeerAddress v4;
    auto* in4 = reinterpret_cast<sockaddr_in*>(&v4.storage);
    in4->sin_family = AF_INET;
    in4->sin_port = htons(8080);
    inet_pton(AF_INET, "127.0.0.1", &in4->sin_addr);
    EXPECT_EQ(v4.text(), "127.0.0.1");
    EXPECT_EQ(v4.port(), 8080);

    PeerAddress v6;
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&v6.storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(443);
    inet_pton(AF_INET6, "::1", &in6->sin6_addr);
    EXPECT_EQ(v6.text(), "::1");
    EXPECT_EQ(v6.port(), 443);

    PeerAddress local;
    local.storage.ss_family = AF_UNIX;
    EXPECT_EQ(local.text(), "unix:");
    EXPECT_EQ(local.port(), 0);

    // Every digit count in every position, as inet_ntop writes them.
    for (const char* text :
         {"0.0.0.0", "255.255.255.255", "10.0.100.9", "192.168.1.20", "1.22.133.4"}) {
        PeerAddress any;
        auto* in = reinterpret_cast<sockaddr_in*>(&any.storage);
        in->sin_family = AF_INET;
        inet_pton(AF_INET, text, &in->sin_addr);
        EXPECT_EQ(any.text(), text);
    }

    PeerAddress unknown;
    EXPECT_EQ(unknown.text(), "");
    EXPECT_EQ(unknown.port(), 0);
}

class AcceptorTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto opened = open_listener(loopback(), ListenOptions{});
        ASSERT_TRUE(opened.ok()) << opened.error();
        listen_fd_ = *opened;
        port_ = bound_port(listen_fd_);
        safety_.set_callback([this] {
            ADD_FAILURE() << "safety timeout: the loop did not stop";
            loop_.stop();
        });
        loop_.arm(safety_, kSafetyMs);
    }
    void TearDown() override {
        for (int fd : accepted_)
            close(fd);
        for (int fd : clients_)
            close(fd);
        close(listen_fd_);
    }

    void connect_clients(int count) {
        for (int i = 0; i < count; ++i)
            clients_.push_back(connect_v4(port_));
    }

    // Runs the loop for `ms` milliseconds.
    void run_for(uint64_t ms) {
        Timer done([this] { loop_.stop(); });
        loop_.arm(done, ms);
        loop_.run();
    }

    EventLoop loop_;
    Timer safety_;
    int listen_fd_ = -1;
    uint16_t port_ = 0;
    std::vector<int> clients_;
    std::vector<int> accepted_;
    std::vector<PeerAddress> peers_;
};

TEST_F(AcceptorTest, AcceptsNonBlockingCloseOnExecConnectionsWithPeerAddress) {
    connect_clients(1);
    Acceptor acceptor(loop_, listen_fd_, [&](int fd, const PeerAddress& peer) {
        accepted_.push_back(fd);
        peers_.push_back(peer);
        loop_.stop();
    });
    loop_.run();
    ASSERT_EQ(accepted_.size(), 1u);
    EXPECT_TRUE(fcntl(accepted_[0], F_GETFL) & O_NONBLOCK);
    EXPECT_TRUE(fcntl(accepted_[0], F_GETFD) & FD_CLOEXEC);
    EXPECT_EQ(peers_[0].text(), "127.0.0.1");
    EXPECT_EQ(peers_[0].port(), local_port(clients_[0]));
    ASSERT_EQ(write(clients_[0], "ping", 4), 4);
    char buf[8];
    // The accepted socket is the client's peer.
    for (int i = 0; i < 10'000; ++i) {
        if (read(accepted_[0], buf, sizeof buf) == 4) break;
        usleep(100);
    }
    EXPECT_EQ(std::string(buf, 4), "ping");
}

TEST_F(AcceptorTest, DrainsEveryPendingConnectionInOneWakeup) {
    connect_clients(5);
    size_t accepted_before_batch_ended = 0;
    Acceptor acceptor(loop_, listen_fd_, [&](int fd, const PeerAddress&) {
        accepted_.push_back(fd);
        if (accepted_.size() == 1) {
            loop_.defer([&] {
                accepted_before_batch_ended = accepted_.size();
                loop_.stop();
            });
        }
    });
    loop_.run();
    EXPECT_EQ(accepted_before_batch_ended, 5u);
}

TEST_F(AcceptorTest, CallbackPausingStopsTheDrain) {
    connect_clients(3);
    Acceptor* self = nullptr;
    Acceptor acceptor(loop_, listen_fd_, [&](int fd, const PeerAddress&) {
        accepted_.push_back(fd);
        self->pause();  // as at worker_connections
    });
    self = &acceptor;
    run_for(30);
    EXPECT_EQ(accepted_.size(), 1u);
    acceptor.resume();
    run_for(30);
    EXPECT_EQ(accepted_.size(), 2u);
}

TEST_F(AcceptorTest, PausedAcceptorLeavesConnectionsPendingUntilResumed) {
    Acceptor acceptor(loop_, listen_fd_, [&](int fd, const PeerAddress&) {
        accepted_.push_back(fd);
        if (accepted_.size() == 2) loop_.stop();
    });
    acceptor.pause();
    acceptor.pause();  // idempotent
    connect_clients(2);
    run_for(30);
    EXPECT_TRUE(accepted_.empty());
    acceptor.resume();
    acceptor.resume();
    loop_.run();
    EXPECT_EQ(accepted_.size(), 2u);
}

TEST_F(AcceptorTest, DestroyedAcceptorIsNoLongerDispatched) {
    {
        Acceptor acceptor(loop_, listen_fd_,
                          [&](int fd, const PeerAddress&) { accepted_.push_back(fd); });
    }
    connect_clients(1);
    run_for(30);
    EXPECT_TRUE(accepted_.empty());
    // The listening socket is still the caller's and still works.
    Acceptor again(loop_, listen_fd_, [&](int fd, const PeerAddress&) {
        accepted_.push_back(fd);
        loop_.stop();
    });
    loop_.run();
    EXPECT_EQ(accepted_.size(), 1u);
}

TEST_F(AcceptorTest, AcceptsOverIpv6) {
    ListenAddress address;
    address.host = "::1";
    auto opened = open_listener(address, ListenOptions{});
    ASSERT_TRUE(opened.ok()) << opened.error();
    Fd listener(*opened);
    Fd client(socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in6 target{};
    target.sin6_family = AF_INET6;
    target.sin6_port = htons(bound_port(listener.fd));
    target.sin6_addr = in6addr_loopback;
    ASSERT_EQ(connect(client.fd, reinterpret_cast<sockaddr*>(&target), sizeof target), 0);
    Acceptor acceptor(loop_, listener.fd, [&](int fd, const PeerAddress& peer) {
        accepted_.push_back(fd);
        peers_.push_back(peer);
        loop_.stop();
    });
    loop_.run();
    ASSERT_EQ(peers_.size(), 1u);
    EXPECT_EQ(peers_[0].text(), "::1");
    EXPECT_NE(peers_[0].port(), 0);
}

TEST_F(AcceptorTest, AcceptsOnUnixSockets) {
    std::string path = temp_socket_path("acceptor.sock");
    ListenAddress address;
    address.unix_path = path;
    auto opened = open_listener(address, ListenOptions{});
    ASSERT_TRUE(opened.ok()) << opened.error();
    Fd listener(*opened);
    Fd client(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un un{};
    un.sun_family = AF_UNIX;
    std::strncpy(un.sun_path, path.c_str(), sizeof un.sun_path - 1);
    ASSERT_EQ(connect(client.fd, reinterpret_cast<sockaddr*>(&un), sizeof un), 0);
    Acceptor acceptor(loop_, listener.fd, [&](int fd, const PeerAddress& peer) {
        accepted_.push_back(fd);
        peers_.push_back(peer);
        loop_.stop();
    });
    loop_.run();
    ASSERT_EQ(peers_.size(), 1u);
    EXPECT_EQ(peers_[0].text(), "unix:");
    EXPECT_EQ(peers_[0].port(), 0);
    unlink(path.c_str());
}

// Restores the descriptor limit however the test ends.
class DescriptorLimit {
  public:
    DescriptorLimit() { getrlimit(RLIMIT_NOFILE, &saved_); }
    ~DescriptorLimit() { restore(); }
    // Lowers the soft limit to the lowest free descriptor: no new fd can be made.
    void exhaust() {
        int probe = dup(0);
        close(probe);
        rlimit lowered = saved_;
        lowered.rlim_cur = static_cast<rlim_t>(probe);
        EXPECT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
    }
    void restore() { setrlimit(RLIMIT_NOFILE, &saved_); }

  private:
    rlimit saved_{};
};

uint64_t monotonic_ms() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
}

TEST_F(AcceptorTest, OutOfDescriptorsBacksOffInsteadOfSpinning) {
    int log_pipe[2];
    ASSERT_EQ(pipe2(log_pipe, O_NONBLOCK | O_CLOEXEC), 0);
    log::set_fd(log_pipe[1]);
    uint64_t accepted_at = 0;
    Acceptor acceptor(loop_, listen_fd_, [&](int fd, const PeerAddress&) {
        accepted_.push_back(fd);
        accepted_at = monotonic_ms();
        loop_.stop();
    });
    // One ordinary accept first: the sanitizers' first check of a handler's type needs
    // descriptors of its own, which the exhaustion below would deny it.
    connect_clients(1);
    loop_.run();
    ASSERT_EQ(accepted_.size(), 1u);
    connect_clients(1);
    // Likewise the log's formatting buffer: format one line before the exhaustion.
    EXPECT_FALSE(log::format_line(log::Style::nginx, log::Level::error, "warm-up", 0, 1).empty());
    DescriptorLimit limit;
    uint64_t exhausted_at = monotonic_ms();
    limit.exhaust();
    // Give the descriptors back soon; the acceptor only retries after its back-off.
    Timer give_back([&] { limit.restore(); });
    loop_.arm(give_back, 20);
    loop_.run();
    limit.restore();
    log::set_fd(2);
    char line[512] = {};
    ssize_t n = read(log_pipe[0], line, sizeof line - 1);
    close(log_pipe[0]);
    close(log_pipe[1]);
    ASSERT_EQ(accepted_.size(), 2u);
    EXPECT_GE(accepted_at, exhausted_at + 100);
    ASSERT_GT(n, 0);
    EXPECT_NE(std::string(line).find("accept4() failed (24: Too many open files)"),
              std::string::npos)
        << line;
}

}  // namespace
}  // namespace strata::net
