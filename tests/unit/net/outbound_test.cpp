// Non-blocking connects: to a listener, to a closed port, to a missing unix socket.
#include "strata/net/outbound.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

namespace strata::net {
namespace {

PeerAddress loopback(uint16_t port) {
    PeerAddress a;
    auto* in = reinterpret_cast<sockaddr_in*>(&a.storage);
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.length = sizeof(sockaddr_in);
    return a;
}

// A listening socket on 127.0.0.1 and a port from the OS.
struct Listener {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    uint16_t port = 0;
    Listener() {
        PeerAddress a = loopback(0);
        EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a.storage), a.length), 0);
        EXPECT_EQ(::listen(fd, 4), 0);
        socklen_t length = a.length;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a.storage), &length);
        port = ntohs(reinterpret_cast<sockaddr_in*>(&a.storage)->sin_port);
    }
    ~Listener() { ::close(fd); }
};

// The connect's outcome once the socket says it is done.
int finished(const ConnectStart& started) {
    if (!started.in_progress) return 0;
    pollfd p{started.fd, POLLOUT, 0};
    EXPECT_EQ(::poll(&p, 1, 5000), 1);
    return connect_error(started.fd);
}

TEST(Outbound, ConnectsToAListener) {
    Listener listener;
    ConnectStart started = start_connect(loopback(listener.port));
    ASSERT_GE(started.fd, 0);
    EXPECT_EQ(finished(started), 0);
    ::close(started.fd);
}

TEST(Outbound, RefusedByAClosedPort) {
    uint16_t port;
    {
        Listener gone;  // a port that was just free, closed again
        port = gone.port;
    }
    ConnectStart started = start_connect(loopback(port));
    int error = started.fd < 0 ? started.error : finished(started);
    EXPECT_EQ(error, ECONNREFUSED);
    if (started.fd >= 0) ::close(started.fd);
}

TEST(Outbound, MissingUnixSocketFailsAtOnce) {
    PeerAddress a;
    auto* un = reinterpret_cast<sockaddr_un*>(&a.storage);
    un->sun_family = AF_UNIX;
    std::strcpy(un->sun_path, "/nonexistent/strata-test.sock");
    a.length = sizeof(sockaddr_un);
    ConnectStart started = start_connect(a);
    EXPECT_EQ(started.fd, -1);
    EXPECT_EQ(started.error, ENOENT);
}

}  // namespace
}  // namespace strata::net
