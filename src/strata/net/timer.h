// Timers for connection timeouts: a hashed timing wheel with O(1) arm and cancel.
// A Timer is owned by its user (intrusive); destroying an armed timer cancels it.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace strata::net {

class TimerWheel;

class Timer {
public:
    Timer() = default;
    explicit Timer(std::function<void()> callback) : callback_(std::move(callback)) {}
    ~Timer();
    Timer(const Timer&) = delete;
    Timer& operator=(const Timer&) = delete;

    void set_callback(std::function<void()> callback) { callback_ = std::move(callback); }
    bool armed() const { return wheel_ != nullptr; }
    uint64_t deadline_ms() const { return deadline_ms_; }

private:
    friend class TimerWheel;
    std::function<void()> callback_;
    TimerWheel* wheel_ = nullptr;
    Timer* prev_ = nullptr;
    Timer* next_ = nullptr;
    uint64_t deadline_ms_ = 0;
};

class TimerWheel {
public:
    // `tick_ms`: resolution; timers fire no earlier than their deadline, at most one
    // tick late.
    explicit TimerWheel(uint64_t tick_ms = 10, size_t slots = 4096);
    ~TimerWheel();

    void schedule(Timer& timer, uint64_t deadline_ms);
    void cancel(Timer& timer);
    // Fires every timer whose deadline is <= now_ms.
    void advance(uint64_t now_ms);
    // Milliseconds until the earliest deadline (0 if due), or -1 when none is armed.
    int64_t next_timeout_ms(uint64_t now_ms) const;
    size_t size() const { return count_; }

private:
    // implementation-defined members
    uint64_t tick_ms_;
    std::vector<Timer*> slots_;  // heads of intrusive lists
    uint64_t current_tick_ = 0;
    size_t count_ = 0;
};

}  // namespace strata::net
