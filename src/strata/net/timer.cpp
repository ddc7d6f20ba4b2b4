#include "strata/net/timer.h"

#include <algorithm>
#include <cassert>
#include <limits>

namespace strata::net {
namespace {

// The timer whose callback is running, so a callback that destroys its own timer
// (through its owner) is noticed and the moved-out callback is not put back.
thread_local Timer* t_running_timer = nullptr;

}  // namespace

Timer::~Timer() {
    if (wheel_ != nullptr) wheel_->cancel(*this);
    if (t_running_timer == this) t_running_timer = nullptr;
}

TimerWheel::TimerWheel(uint64_t tick_ms, size_t slots)
    : tick_ms_(std::max<uint64_t>(tick_ms, 1)), slots_(std::max<size_t>(slots, 1), nullptr) {}

TimerWheel::~TimerWheel() {
    // Leave no timer pointing at a dead wheel: their destructors would cancel into it.
    for (Timer*& head : slots_) {
        while (head != nullptr) {
            Timer& timer = *head;
            unlink(timer);
            timer.wheel_ = nullptr;
        }
    }
}

void TimerWheel::link_front(Timer** head, Timer& timer) {
    timer.list_head_ = head;
    timer.prev_ = nullptr;
    timer.next_ = *head;
    if (*head != nullptr) (*head)->prev_ = &timer;
    *head = &timer;
}

void TimerWheel::unlink(Timer& timer) {
    if (timer.prev_ != nullptr) {
        timer.prev_->next_ = timer.next_;
    } else {
        *timer.list_head_ = timer.next_;
    }
    if (timer.next_ != nullptr) timer.next_->prev_ = timer.prev_;
    timer.prev_ = nullptr;
    timer.next_ = nullptr;
    timer.list_head_ = nullptr;
}

void TimerWheel::schedule(Timer& timer, uint64_t deadline_ms) {
    if (timer.wheel_ != nullptr) timer.wheel_->cancel(timer);
    // A deadline in the past goes to the current tick, which advance() visits next.
    uint64_t tick = std::max(tick_of(deadline_ms), current_tick_);
    link_front(slot_for_tick(tick), timer);
    timer.wheel_ = this;
    timer.deadline_ms_ = deadline_ms;
    ++count_;
    earliest_ms_ = std::min(earliest_ms_, deadline_ms);
}

void TimerWheel::cancel(Timer& timer) {
    if (timer.wheel_ != this) return;
    unlink(timer);
    timer.wheel_ = nullptr;
    --count_;
    if (count_ == 0) earliest_ms_ = std::numeric_limits<uint64_t>::max();
}

void TimerWheel::advance(uint64_t now_ms) {
    assert(!advancing_ && "advance() called from a timer callback");
    uint64_t now_tick = tick_of(now_ms);
    // The common case, once per loop iteration: nothing can be due, no slot is walked.
    if (count_ == 0 || earliest_ms_ > now_ms) {
        current_tick_ = std::max(current_tick_, now_tick);
        return;
    }
    advancing_ = true;
    // After a long stall one revolution visits every slot once; each fires what is due.
    uint64_t first =
        std::max(current_tick_, now_tick - std::min<uint64_t>(now_tick, slots_.size() - 1));
    for (uint64_t tick = first; tick <= now_tick && count_ > 0; ++tick) {
        current_tick_ = tick;
        fire_due_in_slot(tick, now_ms);
    }
    current_tick_ = std::max(current_tick_, now_tick);
    advancing_ = false;
    if (earliest_ms_ <= now_ms) recompute_earliest();
}

void TimerWheel::fire_due_in_slot(uint64_t tick, uint64_t now_ms) {
    Timer** slot = slot_for_tick(tick);
    // Move the due timers to the firing list first: callbacks may then arm, cancel or
    // re-arm any timer (including into this slot) without disturbing the walk.
    size_t due = 0;
    for (Timer* timer = *slot; timer != nullptr;) {
        Timer* next = timer->next_;
        if (timer->deadline_ms_ <= now_ms) {
            unlink(*timer);
            link_front(&firing_, *timer);  // reverses the slot's newest-first order
            ++due;
        }
        timer = next;
    }
    if (due == 0) return;
    firing_ = sort_by_deadline(firing_, due);
    Timer* prev = nullptr;
    for (Timer* timer = firing_; timer != nullptr; timer = timer->next_) {
        timer->prev_ = prev;
        prev = timer;
    }
    while (firing_ != nullptr)
        fire(*firing_);
}

void TimerWheel::fire(Timer& timer) {
    unlink(timer);
    timer.wheel_ = nullptr;
    --count_;
    if (!timer.callback_) return;
    // Run a moved-out copy: the callback may destroy the timer or replace its callback.
    std::function<void()> callback = std::move(timer.callback_);
    Timer* outer = t_running_timer;
    t_running_timer = &timer;
    callback();
    if (t_running_timer == &timer && !timer.callback_) timer.callback_ = std::move(callback);
    t_running_timer = outer;
}

Timer* TimerWheel::merge_by_deadline(Timer* a, Timer* b) {
    Timer* head = nullptr;
    Timer** tail = &head;
    while (a != nullptr && b != nullptr) {
        Timer*& smaller = b->deadline_ms_ < a->deadline_ms_ ? b : a;  // ties keep a first
        *tail = smaller;
        tail = &smaller->next_;
        smaller = smaller->next_;
    }
    *tail = a != nullptr ? a : b;
    return head;
}

// Stable merge sort over next_ links; prev_ links are fixed by the caller.
Timer* TimerWheel::sort_by_deadline(Timer* list, size_t length) {
    if (length < 2) return list;
    size_t half = length / 2;
    Timer* last_of_first = list;
    for (size_t i = 1; i < half; ++i)
        last_of_first = last_of_first->next_;
    Timer* second = last_of_first->next_;
    last_of_first->next_ = nullptr;
    return merge_by_deadline(sort_by_deadline(list, half), sort_by_deadline(second, length - half));
}

void TimerWheel::recompute_earliest() {
    earliest_ms_ = std::numeric_limits<uint64_t>::max();
    if (count_ == 0) return;
    // Walk at most one revolution from the current tick; the first slot holding a timer
    // of that revolution holds the earliest deadline.
    for (uint64_t tick = current_tick_; tick < current_tick_ + slots_.size(); ++tick) {
        for (Timer* timer = *slot_for_tick(tick); timer != nullptr; timer = timer->next_) {
            if (tick_of(timer->deadline_ms_) <= tick) {
                earliest_ms_ = std::min(earliest_ms_, timer->deadline_ms_);
            }
        }
        if (earliest_ms_ != std::numeric_limits<uint64_t>::max()) return;
    }
    // Everything is at least a revolution away: wake then and look again.
    earliest_ms_ = (current_tick_ + slots_.size()) * tick_ms_;
}

int64_t TimerWheel::next_timeout_ms(uint64_t now_ms) const {
    if (count_ == 0) return -1;
    if (earliest_ms_ <= now_ms) return 0;
    return static_cast<int64_t>(
        std::min<uint64_t>(earliest_ms_ - now_ms, std::numeric_limits<int64_t>::max()));
}

}  // namespace strata::net
