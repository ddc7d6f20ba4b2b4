#include "strata/net/socket_io.h"

#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "strata/base/log.h"

namespace strata::net {
namespace {

IoResult from_transfer(ssize_t n) {
    if (n >= 0) return IoResult{IoStatus::ok, static_cast<size_t>(n)};
    if (errno == EAGAIN || errno == EWOULDBLOCK) return IoResult{IoStatus::would_block};
    return IoResult{IoStatus::error, 0, errno};
}

// sendmsg() so that a peer that went away yields EPIPE instead of SIGPIPE; send() for a
// single piece (a small response in one buffer), which skips the message header's copy.
ssize_t send_vector(int fd, const iovec* iov, int count, int flags) {
    if (count == 1) {
        ssize_t n;
        do {
            n = ::send(fd, iov[0].iov_base, iov[0].iov_len, MSG_NOSIGNAL | flags);
        } while (n < 0 && errno == EINTR);
        return n;
    }
    msghdr message{};
    message.msg_iov = const_cast<iovec*>(iov);
    message.msg_iovlen = static_cast<size_t>(count);
    ssize_t n;
    do {
        n = ::sendmsg(fd, &message, MSG_NOSIGNAL | flags);
    } while (n < 0 && errno == EINTR);
    return n;
}

// For pipes and files, which sendmsg() refuses.
ssize_t write_vector_plain(int fd, const iovec* iov, int count) {
    ssize_t n;
    do {
        n = ::writev(fd, iov, count);
    } while (n < 0 && errno == EINTR);
    return n;
}

void set_tcp_option(int fd, int option, const char* name, bool on) {
    int value = on ? 1 : 0;
    if (setsockopt(fd, IPPROTO_TCP, option, &value, sizeof value) == 0) return;
    // Unix sockets have no TCP options; that is not worth a log line.
    if (errno == EOPNOTSUPP || errno == ENOPROTOOPT) return;
    log::error("setsockopt({}) on {} failed ({}: {})", name, fd, errno, strerrordesc_np(errno));
}

}  // namespace

IoResult read_some(int fd, char* buf, size_t len) {
    if (len == 0) return IoResult{IoStatus::ok};
    ssize_t n;
    do {
        n = ::read(fd, buf, len);
    } while (n < 0 && errno == EINTR);
    if (n == 0) return IoResult{IoStatus::closed};
    return from_transfer(n);
}

// A peer that closed shows up as status error with EPIPE or ECONNRESET.
IoResult write_vector(int fd, const iovec* iov, int count, bool more_follows) {
    if (count <= 0) return IoResult{IoStatus::ok};
    count = std::min(count, IOV_MAX);  // the rest goes with the next call, as a short write
    ssize_t n = send_vector(fd, iov, count, more_follows ? MSG_MORE : 0);
    if (n < 0 && errno == ENOTSOCK) n = write_vector_plain(fd, iov, count);
    return from_transfer(n);
}

// A file that ends before `count` bytes (truncated under us) reports closed.
IoResult send_file(int socket_fd, int file_fd, off_t& offset, size_t count) {
    if (count == 0) return IoResult{IoStatus::ok};
    ssize_t n;
    do {
        n = ::sendfile(socket_fd, file_fd, &offset, count);
    } while (n < 0 && errno == EINTR);
    if (n == 0) return IoResult{IoStatus::closed};
    return from_transfer(n);
}

void set_tcp_nodelay(int fd, bool on) {
    set_tcp_option(fd, TCP_NODELAY, "TCP_NODELAY", on);
}

void set_tcp_cork(int fd, bool on) {
    set_tcp_option(fd, TCP_CORK, "TCP_CORK", on);
}

void close_fd(int fd) {
    if (fd < 0) return;
    // Never retry on EINTR: Linux releases the descriptor even then.
    if (::close(fd) == 0 || errno == EINTR) return;
    log::error("close() of {} failed ({}: {})", fd, errno, strerrordesc_np(errno));
}

}  // namespace strata::net
