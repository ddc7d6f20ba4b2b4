// Connections kept open between requests to be used again (nginx's upstream keepalive
// cache): up to a capacity per cache, the least recently used closed when a new one
// would exceed it. An idle connection that turns readable (its peer closed it, or sent
// something unasked) is closed at once; each is closed after `timeout_ms` unused.
// A kept connection stays registered with the loop (edge-triggered, as its user had it):
// put() and take() hand the registration over with no system call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <optional>

#include "strata/net/event_loop.h"

namespace strata::net {

class IdleConnections {
  public:
    // What is known about a kept connection.
    struct Kept {
        int fd = -1;
        std::size_t key = 0;     // what it connects to (a peer's index)
        uint64_t requests = 0;   // requests it has carried
        uint64_t opened_ms = 0;  // monotonic time it was opened
    };

    IdleConnections(EventLoop& loop, std::size_t capacity, uint64_t timeout_ms);
    ~IdleConnections();
    IdleConnections(const IdleConnections&) = delete;
    IdleConnections& operator=(const IdleConnections&) = delete;

    // Keeps the connection, registered with the loop; its events are the cache's now.
    void put(const Kept& kept);
    // The most recently kept connection to `key`, still registered: the caller rebinds
    // it to its own handler (EventLoop::rebind) and owns it.
    std::optional<Kept> take(std::size_t key);
    std::size_t size() const { return idle_.size(); }

  private:
    class Idle;
    using List = std::list<std::unique_ptr<Idle>>;

    void close(List::iterator it);

    EventLoop& loop_;
    std::size_t capacity_;
    uint64_t timeout_ms_;
    List idle_;  // most recently kept first
};

}  // namespace strata::net
