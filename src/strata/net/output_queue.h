// What a connection still has to send, in order: bytes in memory and ranges of open
// files. Memory runs go out with one writev, files with sendfile.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <string_view>

#include "strata/base/buffer.h"
#include "strata/net/socket_io.h"

namespace strata::net {

class OutputQueue {
  public:
    OutputQueue() = default;
    ~OutputQueue();
    OutputQueue(const OutputQueue&) = delete;
    OutputQueue& operator=(const OutputQueue&) = delete;

    // The buffer the next bytes go into (after any queued file).
    Buffer& memory();
    void append(std::string_view bytes) { memory().append(bytes); }
    // Queues `length` bytes of `fd` from `offset`; the queue closes `fd` when done.
    void append_file(int fd, off_t offset, uint64_t length);

    bool empty() const { return segments_.empty(); }
    // Bytes queued and not yet sent, memory and files alike.
    uint64_t pending_bytes() const;

    // Sends as much as the socket takes. ok: all sent; would_block: the rest waits for
    // EPOLLOUT; closed/error: the peer is gone.
    IoResult flush(int socket_fd);
    // Drops everything (connection closing).
    void clear();

  private:
    struct Segment {
        Buffer bytes;  // when fd < 0
        int fd = -1;   // a file range otherwise
        off_t offset = 0;
        uint64_t length = 0;
    };

    bool inline_file(int fd, off_t offset, uint64_t length);
    IoResult flush_memory(int socket_fd);
    IoResult flush_file(int socket_fd, Segment& file);
    void pop_front();

    std::deque<Segment> segments_;
    // Unsent bytes of every segment but an open last memory one: memory() hands that
    // one out to grow, so it is counted on demand until a file queued behind seals it.
    uint64_t pending_ = 0;
};

}  // namespace strata::net
