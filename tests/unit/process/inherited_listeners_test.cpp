#include "strata/process/inherited_listeners.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "strata/process/listener_set.h"

namespace strata::process {
namespace {

net::ListenAddress address_of(const std::string& text) {
    return net::parse_listen_address(text).value();
}

// A listening socket as an old master would hand it over: without close-on-exec.
int inheritable_listener(const std::string& text) {
    int fd = net::open_listener(address_of(text), {}).value();
    ::fcntl(fd, F_SETFD, 0);
    return fd;
}

std::string bound_text(int fd) {
    return "127.0.0.1:" + std::to_string(net::bound_port(fd));
}

bool is_open(int fd) {
    return ::fcntl(fd, F_GETFD) != -1;
}

TEST(AddressKey, ConfigurationAndSocketAgree) {
    int fd = inheritable_listener("127.0.0.1:0");
    std::string text = bound_text(fd);
    EXPECT_EQ(address_key(address_of(text)), bound_address_key(fd));
    EXPECT_EQ(bound_address_key(fd), "inet " + text);
    ::close(fd);
}

TEST(AddressKey, SpellingsOfOneAddressAreOneKey) {
    EXPECT_EQ(address_key(address_of("8080")), "inet 0.0.0.0:8080");
    EXPECT_EQ(address_key(address_of("*:8080")), "inet 0.0.0.0:8080");
    EXPECT_EQ(address_key(address_of("[::1]:80")), "inet6 [::1]:80");
    EXPECT_EQ(address_key(address_of("[0:0::1]:80")), "inet6 [::1]:80");
    EXPECT_EQ(address_key(address_of("unix:/run/x.sock")), "unix /run/x.sock");
    net::ListenAddress fd_address;
    fd_address.inherited_fd = 3;
    EXPECT_EQ(address_key(fd_address), "");
}

TEST(InheritedListeners, HandsOutTheSocketBoundToTheAddress) {
    int a = inheritable_listener("127.0.0.1:0");
    int b = inheritable_listener("127.0.0.1:0");
    auto pool = InheritedListeners::adopt({a, b});
    ASSERT_TRUE(pool) << pool.error();
    EXPECT_EQ(pool->take(address_of(bound_text(b))), b);
    EXPECT_EQ(pool->take(address_of(bound_text(b))), -1);  // handed out once
    EXPECT_EQ(pool->take(address_of("127.0.0.1:1")), -1);
    // Adopted sockets are this process's own now: not passed on to what it execs.
    EXPECT_EQ(::fcntl(b, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    EXPECT_NE(::fcntl(b, F_GETFL) & O_NONBLOCK, 0);
    pool->close_unclaimed();
    EXPECT_FALSE(is_open(a));
    EXPECT_TRUE(is_open(b));
    ::close(b);
}

TEST(InheritedListeners, AnFdListenClaimsItsOwnDescriptor) {
    int fd = inheritable_listener("127.0.0.1:0");
    auto pool = InheritedListeners::adopt({fd});
    ASSERT_TRUE(pool) << pool.error();
    net::ListenAddress fd_address;
    fd_address.inherited_fd = fd;
    EXPECT_EQ(pool->take(fd_address), fd);
    EXPECT_TRUE(pool->empty());
    ::close(fd);
}

TEST(InheritedListeners, RefusesWhatIsNotAListeningSocketAndLeavesItOpen) {
    int listener = inheritable_listener("127.0.0.1:0");
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    auto pool = InheritedListeners::adopt({listener, pipe_fds[0]});
    ASSERT_FALSE(pool);
    EXPECT_EQ(pool.error(), "inherited socket " + std::to_string(pipe_fds[0]) +
                                " is unusable (88: Socket operation on non-socket)");
    EXPECT_TRUE(is_open(pipe_fds[0]));  // not ours: maybe a log file named by mistake
    EXPECT_FALSE(is_open(listener));    // ours, and nothing half-started keeps it
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);

    int unbound = ::socket(AF_INET, SOCK_STREAM, 0);
    auto refused = InheritedListeners::adopt({unbound});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error(),
              "inherited socket " + std::to_string(unbound) + " is not a listening socket");
    ::close(unbound);
}

TEST(InheritedListeners, RefusesAClosedDescriptor) {
    int fd = inheritable_listener("127.0.0.1:0");
    ::close(fd);
    auto pool = InheritedListeners::adopt({fd});
    ASSERT_FALSE(pool);
    EXPECT_NE(pool.error().find("(9: Bad file descriptor)"), std::string::npos) << pool.error();
}

TEST(ListenerSetWithInheritedSockets, ReusesMatchingOnesBindsNewOnesClosesTheRest) {
    int kept = inheritable_listener("127.0.0.1:0");
    int unused = inheritable_listener("127.0.0.1:0");
    ListenerSet set;
    set.offer_inherited(InheritedListeners::adopt({kept, unused}).value());
    auto fds = set.update({{address_of(bound_text(kept)), {}}, {address_of("127.0.0.1:0"), {}}});
    ASSERT_TRUE(fds) << fds.error();
    ASSERT_EQ(fds->size(), 2U);
    EXPECT_EQ(fds.value()[0], kept);  // bound already: binding again would fail
    EXPECT_NE(fds.value()[1], unused);
    EXPECT_FALSE(is_open(unused));
}

TEST(ListenerSetWithInheritedSockets, ClosingForANewBinaryKeepsSocketFiles) {
    std::filesystem::path path = std::filesystem::temp_directory_path() /
                                 ("strata-inherit-" + std::to_string(::getpid()) + ".sock");
    ListenerSet set;
    ASSERT_TRUE(set.update({{address_of("unix:" + path.string()), {}}}));
    set.close_all(false);
    EXPECT_TRUE(std::filesystem::exists(path));
    std::filesystem::remove(path);
}

}  // namespace
}  // namespace strata::process
