// The cache of kept connections: most recent first per key, the least recently kept
// closed past the capacity, and a connection dropped as soon as its peer closes it or
// its timeout passes.
#include "strata/net/idle_connections.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace strata::net {
namespace {

// A connected pair; `ours` goes into the cache, `theirs` plays the upstream.
struct Pair {
    int ours = -1, theirs = -1;
    Pair() {
        int fds[2];
        EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
        ours = fds[0];
        theirs = fds[1];
    }
    ~Pair() {
        if (theirs >= 0) ::close(theirs);
    }
};

// The user a connection is registered for before the cache takes it over.
struct Ignore final : IoHandler {
    void on_io(uint32_t) override {}
};

// Registered as the proxy registers its upstream connections.
IdleConnections::Kept registered(EventLoop& loop, int fd, std::size_t key, uint64_t requests = 0,
                                 uint64_t opened_ms = 0) {
    static Ignore ignore;
    loop.add(fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, &ignore);
    return {fd, key, requests, opened_ms};
}

bool is_open(int fd) {
    return ::fcntl(fd, F_GETFD) != -1;
}

// Runs the loop for about `ms` milliseconds.
void run_for(EventLoop& loop, uint64_t ms) {
    Timer stop([&] { loop.stop(); });
    loop.arm(stop, ms);
    loop.run();
}

TEST(IdleConnections, TakesByKeyMostRecentFirst) {
    EventLoop loop;
    IdleConnections cache(loop, 4, 60'000);
    Pair a, b, c;
    cache.put(registered(loop, a.ours, 1, 3, 10));
    cache.put(registered(loop, b.ours, 2, 1, 20));
    cache.put(registered(loop, c.ours, 1, 5, 30));
    auto first = cache.take(1);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->fd, c.ours);
    EXPECT_EQ(first->requests, 5u);
    EXPECT_EQ(cache.take(1)->fd, a.ours);
    EXPECT_FALSE(cache.take(1));
    EXPECT_EQ(cache.size(), 1u);
    loop.remove(a.ours);  // taken: the caller's now
    loop.remove(c.ours);
    ::close(a.ours);
    ::close(c.ours);
}

TEST(IdleConnections, ClosesTheLeastRecentPastCapacity) {
    EventLoop loop;
    IdleConnections cache(loop, 2, 60'000);
    Pair a, b, c;
    cache.put(registered(loop, a.ours, 1, 0, 0));
    cache.put(registered(loop, b.ours, 1, 0, 0));
    cache.put(registered(loop, c.ours, 1, 0, 0));
    EXPECT_EQ(cache.size(), 2u);
    EXPECT_FALSE(is_open(a.ours));
    EXPECT_TRUE(is_open(b.ours));
}

TEST(IdleConnections, DropsOneItsPeerClosed) {
    EventLoop loop;
    IdleConnections cache(loop, 2, 60'000);
    Pair a, b;
    cache.put(registered(loop, a.ours, 1, 0, 0));
    cache.put(registered(loop, b.ours, 2, 0, 0));
    ::close(a.theirs);
    a.theirs = -1;
    run_for(loop, 50);
    EXPECT_EQ(cache.size(), 1u);
    EXPECT_FALSE(cache.take(1));
    EXPECT_TRUE(cache.take(2));
    loop.remove(b.ours);
    ::close(b.ours);
}

// A readiness whose data its last user already read is no reason to close it.
TEST(IdleConnections, StaleReadinessKeepsIt) {
    EventLoop loop;
    IdleConnections cache(loop, 2, 60'000);
    Pair a;
    EXPECT_EQ(::write(a.theirs, "x", 1), 1);  // raises EPOLLIN once registered
    IdleConnections::Kept kept = registered(loop, a.ours, 1);
    char byte;
    EXPECT_EQ(::read(a.ours, &byte, 1), 1);  // the user read it before letting it go
    cache.put(kept);
    run_for(loop, 50);
    EXPECT_EQ(cache.size(), 1u);
}

TEST(IdleConnections, BeingWritableKeepsIt) {
    EventLoop loop;
    IdleConnections cache(loop, 2, 60'000);
    Pair a;
    cache.put(registered(loop, a.ours, 1));  // writable at once: an EPOLLOUT event comes
    run_for(loop, 50);
    EXPECT_EQ(cache.size(), 1u);
}

TEST(IdleConnections, DropsOneThatSendsUnasked) {
    EventLoop loop;
    IdleConnections cache(loop, 2, 60'000);
    Pair a;
    cache.put(registered(loop, a.ours, 1, 0, 0));
    EXPECT_EQ(::write(a.theirs, "x", 1), 1);
    run_for(loop, 50);
    EXPECT_EQ(cache.size(), 0u);
}

TEST(IdleConnections, TimesOut) {
    EventLoop loop;
    IdleConnections cache(loop, 2, 30);
    Pair a;
    cache.put(registered(loop, a.ours, 1, 0, 0));
    run_for(loop, 100);
    EXPECT_EQ(cache.size(), 0u);
}

TEST(IdleConnections, NoCapacityKeepsNothing) {
    EventLoop loop;
    IdleConnections cache(loop, 0, 1000);
    Pair a;
    cache.put(registered(loop, a.ours, 1, 0, 0));
    EXPECT_EQ(cache.size(), 0u);
    EXPECT_FALSE(is_open(a.ours));
}

}  // namespace
}  // namespace strata::net
