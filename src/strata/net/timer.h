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
    Timer** list_head_ = nullptr;  // the slot (or firing list) this timer is linked into
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
    uint64_t tick_of(uint64_t ms) const { return ms / tick_ms_; }
    Timer** slot_for_tick(uint64_t tick) { return &slots_[tick % slots_.size()]; }
    void fire_due_in_slot(uint64_t tick, uint64_t now_ms);
    void fire(Timer& timer);
    void recompute_earliest();
    static void link_front(Timer** head, Timer& timer);
    static void unlink(Timer& timer);
    static Timer* merge_by_deadline(Timer* a, Timer* b);
    static Timer* sort_by_deadline(Timer* list, size_t length);

    uint64_t tick_ms_;
    std::vector<Timer*> slots_;  // heads of intrusive lists
    uint64_t current_tick_ = 0;  // the tick advance() reached; earlier ticks are done
    size_t count_ = 0;
    Timer* firing_ = nullptr;  // due timers of the slot being fired, in deadline order
    // No armed timer is due before this (a lower bound; cancel may leave it early).
    uint64_t earliest_ms_ = UINT64_MAX;
    bool advancing_ = false;
};

}  // namespace strata::net
