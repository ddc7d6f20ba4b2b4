#include "strata/net/outbound.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "strata/net/socket_io.h"

namespace strata::net {

ConnectStart start_connect(const PeerAddress& address) {
    ConnectStart out;
    int family = address.storage.ss_family;
    out.fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (out.fd < 0) {
        out.error = errno;
        return out;
    }
    if (family != AF_UNIX) set_tcp_nodelay(out.fd, true);
    int rc;
    do {
        rc = ::connect(out.fd, reinterpret_cast<const sockaddr*>(&address.storage), address.length);
    } while (rc < 0 && errno == EINTR);
    if (rc == 0) return out;
    // A unix socket whose listener's queue is full says EAGAIN: nginx takes it as a
    // failure of the try, and so does this.
    if (errno == EINPROGRESS) {
        out.in_progress = true;
        return out;
    }
    out.error = errno;
    ::close(out.fd);
    out.fd = -1;
    return out;
}

int connect_error(int fd) {
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) return errno;
    return error;
}

}  // namespace strata::net
