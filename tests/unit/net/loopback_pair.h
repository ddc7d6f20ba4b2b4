// A connected loopback TCP pair for socket tests: the connecting end (configured by
// `before_connect`, for buffer sizes that must be set before the handshake) and the
// accepted end. Both blocking; the caller closes them.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <utility>

namespace strata::net {

template <class Configure>
std::pair<int, int> loopback_pair(Configure before_connect) {
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    EXPECT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(listen(listener, 1), 0);
    getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
    int connecting = socket(AF_INET, SOCK_STREAM, 0);
    before_connect(connecting);
    EXPECT_EQ(connect(connecting, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    int accepted = accept(listener, nullptr, nullptr);
    close(listener);
    return {connecting, accepted};
}

inline void set_buffer(int fd, int option, int bytes) {
    setsockopt(fd, SOL_SOCKET, option, &bytes, sizeof bytes);
}

}  // namespace strata::net
