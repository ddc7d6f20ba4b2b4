// Where a connection's bytes go: straight to the socket, or through its TLS stream.
#pragma once

#include <sys/types.h>
#include <sys/uio.h>

#include "strata/net/socket_io.h"
#include "strata/net/tls_stream.h"

namespace strata::net {

class Transport {
  public:
    // Implicit from a descriptor: a plain socket (or pipe) is the common case.
    Transport(int fd, TlsStream* tls = nullptr) : fd_(fd), tls_(tls) {}

    int fd() const { return fd_; }
    IoResult read(char* buf, size_t len) const {
        return tls_ ? tls_->read(buf, len) : read_some(fd_, buf, len);
    }
    // `more_follows` only matters for the plain socket (MSG_MORE).
    IoResult write(const iovec* iov, int count, bool more_follows) const {
        return tls_ ? tls_->write(iov, count) : write_vector(fd_, iov, count, more_follows);
    }
    // Whether send_file() works; if not, files are read and written.
    bool can_sendfile() const { return tls_ == nullptr || tls_->can_sendfile(); }
    IoResult send_file(int file_fd, off_t& offset, size_t count) const {
        return tls_ ? tls_->send_file(file_fd, offset, count)
                    : net::send_file(fd_, file_fd, offset, count);
    }

  private:
    int fd_;
    TlsStream* tls_;
};

}  // namespace strata::net
