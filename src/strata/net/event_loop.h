// One thread's event loop: epoll readiness, timers and cross-thread wakeups.
// Everything registered with a loop is used from the loop's thread only, except
// post() and stop(), which any thread may call.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "strata/net/timer.h"

namespace strata::net {

class IoHandler {
  public:
    // `events` is the epoll event mask (EPOLLIN, EPOLLOUT, EPOLLRDHUP, EPOLLERR, EPOLLHUP).
    virtual void on_io(uint32_t events) = 0;

  protected:
    ~IoHandler() = default;
};

class EventLoop {
  public:
    EventLoop();
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // epoll registration. `handler` must outlive the registration.
    void add(int fd, uint32_t events, IoHandler* handler);
    void modify(int fd, uint32_t events, IoHandler* handler);
    void remove(int fd);
    // Hands a registered fd's events to another handler without a system call (the mask
    // stays); events of the current batch not yet dispatched go to the new handler.
    void rebind(int fd, IoHandler* handler);

    // Timers fire on the loop thread; arming an armed timer re-arms it.
    void arm(Timer& timer, uint64_t after_ms);
    void disarm(Timer& timer) { timers_.cancel(timer); }

    // Runs `fn` on the loop thread after the current batch of events: for work that
    // must not run inside a handler (destroying the handler itself, for one).
    void defer(std::function<void()> fn);
    // Thread-safe: runs `fn` on the loop thread soon, waking the loop if it sleeps.
    void post(std::function<void()> fn);

    // Runs until stop(). Thread-safe stop.
    void run();
    void stop();

    // Monotonic milliseconds, read once per loop iteration.
    uint64_t now_ms() const { return now_ms_; }
    // Wall-clock seconds, read once per loop iteration (for Date and logs).
    int64_t wall_seconds() const { return wall_seconds_; }

  private:
    // What an fd is registered with. The generation changes with every add(), so an
    // event read before a remove() (or a remove + add of a reused fd) in the same batch
    // is recognised as stale and not dispatched.
    struct Registration {
        IoHandler* handler = nullptr;
        uint32_t generation = 0;
    };

    void update_clock();
    int wait_timeout_ms() const;
    void run_once();
    void dispatch(uint64_t token, uint32_t events);
    void drain_wakeup();
    void wake();
    bool control(int op, int fd, uint32_t events, uint64_t token);
    void run_deferred();
    void run_posted();

    std::vector<Registration> registrations_;  // indexed by fd
    uint32_t next_generation_ = 1;
    int epoll_fd_ = -1;
    int wakeup_fd_ = -1;
    bool running_ = false;
    uint64_t now_ms_ = 0;
    int64_t wall_seconds_ = 0;
    TimerWheel timers_;
    std::vector<std::function<void()>> deferred_;
    std::mutex posted_mutex_;
    std::vector<std::function<void()>> posted_;
    std::atomic<bool> has_posted_{false};   // posted_ may be non-empty
    std::atomic<bool> sleeping_{false};     // in (or about to enter) epoll_wait
    std::atomic<bool> wakeup_sent_{false};  // the eventfd was written and not yet drained
    std::atomic<bool> stop_requested_{false};
};

}  // namespace strata::net
