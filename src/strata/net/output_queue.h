// What a connection still has to send, in order: bytes in memory and ranges of open
// files. Memory runs go out with one writev; files with sendfile, or read into memory
// and written (nginx's `sendfile off`).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <string_view>

#include "strata/base/buffer.h"
#include "strata/net/transport.h"

namespace strata::net {

// How a queued file range goes out.
struct FileSending {
    bool sendfile = true;  // false: pread + write through a bounded buffer
    // Cork the socket (TCP_CORK) from the first byte before the file until the file's
    // last byte is written, so the head and the file fill whole packets (tcp_nopush).
    bool cork = false;
};

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
    void append_file(int fd, off_t offset, uint64_t length, FileSending how = {});

    bool empty() const { return segments_.empty(); }
    // Bytes queued and not yet sent, memory and files alike.
    uint64_t pending_bytes() const;

    // Sends as much as the socket takes. ok: all sent; would_block: the rest waits for
    // EPOLLOUT; closed/error: the peer is gone.
    IoResult flush(const Transport& out);
    // Drops everything (connection closing).
    void clear();

  private:
    struct Segment {
        Buffer bytes;  // when fd < 0; for a copied file, what was read and not yet sent
        int fd = -1;   // a file range otherwise
        off_t offset = 0;
        uint64_t length = 0;  // of the file, not yet read (copy) or sent (sendfile)
        bool sendfile = true;
        bool cork = false;
    };

    bool inline_file(int fd, off_t offset, uint64_t length);
    IoResult flush_memory(const Transport& out);
    IoResult flush_file(const Transport& out, Segment& file);
    IoResult copy_file(const Transport& out, Segment& file);
    void finish_file(const Transport& out);
    void pop_front();

    std::deque<Segment> segments_;
    // Unsent bytes of every segment but an open last memory one: memory() hands that
    // one out to grow, so it is counted on demand until a file queued behind seals it.
    uint64_t pending_ = 0;
    // Queued file ranges that want the socket corked, and whether it is.
    int cork_wanted_ = 0;
    bool corked_ = false;
};

}  // namespace strata::net
