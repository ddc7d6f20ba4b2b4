// Non-blocking socket I/O with the outcome as a value: bytes moved, would block,
// peer closed, or an error (errno).
#pragma once

#include <sys/types.h>
#include <sys/uio.h>

#include <cstddef>

namespace strata::net {

enum class IoStatus : unsigned char { ok, would_block, closed, error };

struct IoResult {
    IoStatus status;
    size_t bytes = 0;
    int error = 0;  // errno when status == error
};

IoResult read_some(int fd, char* buf, size_t len);
// `more_follows`: more data comes right after (a file): hold a partial packet back
// (MSG_MORE) so the head and the file start share one.
IoResult write_vector(int fd, const iovec* iov, int count, bool more_follows = false);
// Sends up to `count` bytes of `file_fd` from `offset`, advancing it.
IoResult send_file(int socket_fd, int file_fd, off_t& offset, size_t count);

void set_tcp_nodelay(int fd, bool on);
void set_tcp_cork(int fd, bool on);
void close_fd(int fd);

}  // namespace strata::net
