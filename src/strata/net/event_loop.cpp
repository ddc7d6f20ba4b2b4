#include "strata/net/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <system_error>

#include "strata/base/log.h"

namespace strata::net {
namespace {

constexpr int kEventBatch = 256;

// epoll data for a registration: the fd in the low half, its generation in the high
// half. Generation 0 is never handed out, so the wakeup eventfd's token is its bare fd.
uint64_t make_token(int fd, uint32_t generation) {
    return (static_cast<uint64_t>(generation) << 32) | static_cast<uint32_t>(fd);
}

uint64_t monotonic_ms() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
}

const char* operation_name(int op) {
    switch (op) {
        case EPOLL_CTL_ADD:
            return "EPOLL_CTL_ADD";
        case EPOLL_CTL_MOD:
            return "EPOLL_CTL_MOD";
        default:
            return "EPOLL_CTL_DEL";
    }
}

}  // namespace

EventLoop::EventLoop() {
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) throw std::system_error(errno, std::system_category(), "epoll_create1()");
    wakeup_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wakeup_fd_ < 0) {
        int saved = errno;
        ::close(epoll_fd_);
        throw std::system_error(saved, std::system_category(), "eventfd()");
    }
    control(EPOLL_CTL_ADD, wakeup_fd_, EPOLLIN, make_token(wakeup_fd_, 0));
    update_clock();
    timers_.advance(now_ms_);  // start the wheel at the current tick
}

EventLoop::~EventLoop() {
    ::close(wakeup_fd_);
    ::close(epoll_fd_);
}

bool EventLoop::control(int op, int fd, uint32_t events, uint64_t token) {
    epoll_event event{};
    event.events = events;
    event.data.u64 = token;
    if (epoll_ctl(epoll_fd_, op, fd, &event) == 0) return true;
    int error = errno;
    // Removing an fd that was closed first is harmless: close() already dropped it.
    if (op == EPOLL_CTL_DEL && (error == EBADF || error == ENOENT)) return false;
    log::error("epoll_ctl({}, {}) failed ({}: {})", operation_name(op), fd, error,
               strerrordesc_np(error));
    return false;
}

void EventLoop::add(int fd, uint32_t events, IoHandler* handler) {
    if (fd < 0) {
        log::error("epoll_ctl(EPOLL_CTL_ADD, {}) refused: invalid fd", fd);
        return;
    }
    uint32_t generation = next_generation_++;
    if (next_generation_ == 0) next_generation_ = 1;
    if (!control(EPOLL_CTL_ADD, fd, events, make_token(fd, generation))) return;
    auto index = static_cast<size_t>(fd);
    if (registrations_.size() <= index) registrations_.resize(index + 1);
    registrations_[index] = Registration{handler, generation};
}

void EventLoop::modify(int fd, uint32_t events, IoHandler* handler) {
    auto index = static_cast<size_t>(fd);
    if (fd < 0 || index >= registrations_.size() || registrations_[index].handler == nullptr) {
        log::error("epoll_ctl(EPOLL_CTL_MOD, {}) refused: fd is not registered", fd);
        return;
    }
    Registration& registration = registrations_[index];
    if (!control(EPOLL_CTL_MOD, fd, events, make_token(fd, registration.generation))) return;
    registration.handler = handler;
}

void EventLoop::rebind(int fd, IoHandler* handler) {
    auto index = static_cast<size_t>(fd);
    if (fd < 0 || index >= registrations_.size() || registrations_[index].handler == nullptr) {
        log::error("rebind of {} refused: fd is not registered", fd);
        return;
    }
    registrations_[index].handler = handler;
}

void EventLoop::remove(int fd) {
    auto index = static_cast<size_t>(fd);
    if (fd < 0 || index >= registrations_.size()) return;
    registrations_[index] = Registration{};
    control(EPOLL_CTL_DEL, fd, 0, 0);
}

void EventLoop::arm(Timer& timer, uint64_t after_ms) {
    timers_.schedule(timer, now_ms_ + after_ms);
}

void EventLoop::defer(std::function<void()> fn) {
    deferred_.push_back(std::move(fn));
}

// The eventfd is written only when the loop thread sleeps (or is about to) in
// epoll_wait and no wakeup is pending (written and not yet drained): a loop that is busy runs the
// work at the end of its current round anyway. seq_cst on has_posted_ and sleeping_: the loop
// stores sleeping_ then loads has_posted_, a poster stores has_posted_ then loads sleeping_, so at
// least one of them sees the other and no post is left waiting.
void EventLoop::post(std::function<void()> fn) {
    {
        std::lock_guard lock(posted_mutex_);
        posted_.push_back(std::move(fn));
    }
    has_posted_.store(true);
    if (sleeping_.load() && !wakeup_sent_.exchange(true)) wake();
}

void EventLoop::stop() {
    stop_requested_.store(true, std::memory_order_release);
    wake();
}

void EventLoop::run() {
    running_ = true;
    while (!stop_requested_.load(std::memory_order_acquire))
        run_once();
    // Work handed over before stop() still runs.
    run_deferred();
    run_posted();
    stop_requested_.store(false, std::memory_order_relaxed);
    running_ = false;
}

void EventLoop::run_once() {
    epoll_event events[kEventBatch];
    sleeping_.store(true);
    int timeout = has_posted_.load() ? 0 : wait_timeout_ms();
    int count = epoll_wait(epoll_fd_, events, kEventBatch, timeout);
    sleeping_.store(false);
    if (count < 0) {
        if (errno != EINTR)
            log::error("epoll_wait() failed ({}: {})", errno, strerrordesc_np(errno));
        count = 0;
    }
    update_clock();
    for (int i = 0; i < count; ++i)
        dispatch(events[i].data.u64, events[i].events);
    timers_.advance(now_ms_);
    run_deferred();
    run_posted();
}

void EventLoop::dispatch(uint64_t token, uint32_t events) {
    if (token == make_token(wakeup_fd_, 0)) {
        drain_wakeup();
        return;
    }
    auto index = static_cast<size_t>(token & 0xffffffffU);
    auto generation = static_cast<uint32_t>(token >> 32);
    if (index >= registrations_.size()) return;
    const Registration& registration = registrations_[index];
    // Removed (or removed and re-added) earlier in this batch: the event is stale.
    if (registration.handler == nullptr || registration.generation != generation) return;
    registration.handler->on_io(events);
}

// wakeup_sent_ is cleared only after the read: a poster that saw it set before then has
// its work run in this round; one that sets it after writes again. Cleared any earlier,
// a write this read swallowed would leave it set with nothing pending, and the next
// post would skip its wakeup while the loop slept.
void EventLoop::drain_wakeup() {
    uint64_t counter = 0;
    ssize_t n;
    do {
        n = ::read(wakeup_fd_, &counter, sizeof counter);
    } while (n < 0 && errno == EINTR);
    wakeup_sent_.store(false);
}

void EventLoop::wake() {
    uint64_t one = 1;
    ssize_t n;
    do {
        n = ::write(wakeup_fd_, &one, sizeof one);
    } while (n < 0 && errno == EINTR);
}

void EventLoop::update_clock() {
    now_ms_ = monotonic_ms();
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    wall_seconds_ = ts.tv_sec;
}

int EventLoop::wait_timeout_ms() const {
    if (!deferred_.empty() || stop_requested_.load(std::memory_order_relaxed)) return 0;
    // A fresh clock reading: handlers may have run for a while since now_ms_ was read.
    int64_t timeout = timers_.next_timeout_ms(monotonic_ms());
    if (timeout < 0) return -1;
    return static_cast<int>(std::min<int64_t>(timeout, INT_MAX));
}

void EventLoop::run_deferred() {
    if (deferred_.empty()) return;
    // Callbacks deferred from here land in deferred_ and run next iteration.
    std::vector<std::function<void()>> batch;
    batch.swap(deferred_);
    for (auto& fn : batch)
        fn();
}

void EventLoop::run_posted() {
    if (!has_posted_.load()) return;
    std::vector<std::function<void()>> batch;
    {
        std::lock_guard lock(posted_mutex_);
        has_posted_.store(false);  // before the swap: a later post sets it again
        batch.swap(posted_);
    }
    for (auto& fn : batch)
        fn();
}

}  // namespace strata::net
