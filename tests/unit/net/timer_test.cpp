#include "strata/net/timer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace strata::net {
namespace {

constexpr uint64_t kStart = 1'000'000;  // a monotonic clock is far from zero

// Drives a wheel the way the event loop does: sleep as long as next_timeout_ms() says,
// then advance. Returns the number of advances, to catch busy loops.
size_t run_until_empty(TimerWheel& wheel, uint64_t& now) {
    size_t advances = 0;
    while (wheel.size() > 0) {
        int64_t timeout = wheel.next_timeout_ms(now);
        EXPECT_GE(timeout, 0);
        now += static_cast<uint64_t>(timeout);
        wheel.advance(now);
        if (++advances > 10'000'000) {
            ADD_FAILURE() << "wheel does not drain";
            break;
        }
    }
    return advances;
}

TEST(TimerWheel, EmptyWheelHasNoTimeout) {
    TimerWheel wheel;
    wheel.advance(kStart);
    EXPECT_EQ(wheel.size(), 0u);
    EXPECT_EQ(wheel.next_timeout_ms(kStart), -1);
}

TEST(TimerWheel, FiresAtDeadlineNotBefore) {
    TimerWheel wheel(10);
    wheel.advance(kStart);
    int fired = 0;
    Timer timer([&] { ++fired; });
    wheel.schedule(timer, kStart + 25);
    EXPECT_TRUE(timer.armed());
    EXPECT_EQ(timer.deadline_ms(), kStart + 25);
    wheel.advance(kStart + 24);
    EXPECT_EQ(fired, 0);
    EXPECT_TRUE(timer.armed());
    wheel.advance(kStart + 25);
    EXPECT_EQ(fired, 1);
    EXPECT_FALSE(timer.armed());
    EXPECT_EQ(wheel.size(), 0u);
    wheel.advance(kStart + 1000);
    EXPECT_EQ(fired, 1);
}

TEST(TimerWheel, EveryDeadlineFiresExactlyOnTimeWhenAdvancedEachMillisecond) {
    TimerWheel wheel(10, 16);
    wheel.advance(kStart);
    constexpr int kCount = 300;  // spans almost two revolutions of 160 ms
    std::vector<std::unique_ptr<Timer>> timers;
    std::vector<uint64_t> fired_at(kCount, 0);
    uint64_t now = kStart;
    for (int i = 0; i < kCount; ++i) {
        timers.push_back(std::make_unique<Timer>([&, i] { fired_at[i] = now; }));
        wheel.schedule(*timers.back(), kStart + 1 + static_cast<uint64_t>(i));
    }
    for (now = kStart + 1; now <= kStart + kCount; ++now)
        wheel.advance(now);
    for (int i = 0; i < kCount; ++i) {
        EXPECT_EQ(fired_at[i], kStart + 1 + static_cast<uint64_t>(i)) << "timer " << i;
    }
}

TEST(TimerWheel, FiresInDeadlineOrderAndTiesInArmingOrder) {
    TimerWheel wheel(10);
    wheel.advance(kStart);
    std::vector<std::string> order;
    Timer late([&] { order.push_back("late"); });
    Timer early([&] { order.push_back("early"); });
    Timer same_tick_later([&] { order.push_back("same_tick_later"); });
    Timer tie_first([&] { order.push_back("tie_first"); });
    Timer tie_second([&] { order.push_back("tie_second"); });
    wheel.schedule(late, kStart + 500);
    wheel.schedule(same_tick_later, kStart + 29);
    wheel.schedule(tie_first, kStart + 40);
    wheel.schedule(early, kStart + 21);
    wheel.schedule(tie_second, kStart + 40);
    wheel.advance(kStart + 1000);
    EXPECT_EQ(order, (std::vector<std::string>{"early", "same_tick_later", "tie_first",
                                               "tie_second", "late"}));
}

TEST(TimerWheel, PastDeadlineFiresOnNextAdvance) {
    TimerWheel wheel(10);
    wheel.advance(kStart);
    int fired = 0;
    Timer timer([&] { ++fired; });
    wheel.schedule(timer, kStart - 500);
    EXPECT_EQ(wheel.next_timeout_ms(kStart), 0);
    wheel.advance(kStart);
    EXPECT_EQ(fired, 1);
}

TEST(TimerWheel, CancelPreventsFiring) {
    TimerWheel wheel(10);
    wheel.advance(kStart);
    int fired = 0;
    Timer timer([&] { ++fired; });
    wheel.schedule(timer, kStart + 50);
    EXPECT_EQ(wheel.size(), 1u);
    wheel.cancel(timer);
    EXPECT_FALSE(timer.armed());
    EXPECT_EQ(wheel.size(), 0u);
    EXPECT_EQ(wheel.next_timeout_ms(kStart), -1);
    wheel.cancel(timer);  // cancelling an idle timer is harmless
    wheel.advance(kStart + 100);
    EXPECT_EQ(fired, 0);
}

TEST(TimerWheel, CancelOneOfManyInTheSameSlotKeepsTheOthers) {
    TimerWheel wheel(10, 8);
    wheel.advance(kStart);
    std::vector<int> fired;
    std::vector<std::unique_ptr<Timer>> timers;
    for (int i = 0; i < 5; ++i) {
        timers.push_back(std::make_unique<Timer>([&, i] { fired.push_back(i); }));
        // Same slot: the same tick, or whole revolutions (80 ms) apart.
        wheel.schedule(*timers.back(), kStart + 10 + 80 * static_cast<uint64_t>(i % 2));
    }
    wheel.cancel(*timers[0]);  // the oldest (list tail)
    wheel.cancel(*timers[4]);  // the newest (list head)
    wheel.cancel(*timers[2]);  // one in the middle
    EXPECT_EQ(wheel.size(), 2u);
    uint64_t now = kStart;
    run_until_empty(wheel, now);
    EXPECT_EQ(fired, (std::vector<int>{1, 3}));  // equal deadlines: arming order
}

TEST(TimerWheel, SchedulingAnArmedTimerMovesIt) {
    TimerWheel wheel(10);
    wheel.advance(kStart);
    std::vector<uint64_t> fired_at;
    uint64_t now = kStart;
    Timer timer([&] { fired_at.push_back(now); });
    wheel.schedule(timer, kStart + 300);
    wheel.schedule(timer, kStart + 120);
    EXPECT_EQ(wheel.size(), 1u);
    run_until_empty(wheel, now);
    EXPECT_EQ(fired_at, (std::vector<uint64_t>{kStart + 120}));
}

TEST(TimerWheel, DestroyingAnArmedTimerCancelsIt) {
    TimerWheel wheel(10);
    wheel.advance(kStart);
    int fired = 0;
    auto timer = std::make_unique<Timer>([&] { ++fired; });
    wheel.schedule(*timer, kStart + 10);
    timer.reset();
    EXPECT_EQ(wheel.size(), 0u);
    wheel.advance(kStart + 100);
    EXPECT_EQ(fired, 0);
}

TEST(TimerWheel, TimerOutlivingItsWheelIsDisarmed) {
    Timer timer;
    {
        TimerWheel wheel(10);
        wheel.schedule(timer, kStart + 10);
        EXPECT_TRUE(timer.armed());
    }
    EXPECT_FALSE(timer.armed());
}

TEST(TimerWheel, TimerWithoutCallbackFiresQuietly) {
    TimerWheel wheel(10);
    wheel.advance(kStart);
    Timer timer;
    wheel.schedule(timer, kStart + 10);
    wheel.advance(kStart + 10);
    EXPECT_FALSE(timer.armed());
    EXPECT_EQ(wheel.size(), 0u);
}

TEST(TimerWheel, CallbackCanRearmItself) {
    TimerWheel wheel(10);
    wheel.advance(kStart);
    uint64_t now = kStart;
    std::vector<uint64_t> fired_at;
    Timer timer;
    timer.set_callback([&] {
        fired_at.push_back(now);
        if (fired_at.size() < 4) wheel.schedule(timer, now + 35);
    });
    wheel.schedule(timer, kStart + 35);
    run_until_empty(wheel, now);
    EXPECT_EQ(fired_at,
              (std::vector<uint64_t>{kStart + 35, kStart + 70, kStart + 105, kStart + 140}));
    // The callback survives firing, so the timer can be armed again.
    wheel.schedule(timer, now + 1);
    run_until_empty(wheel, now);
    EXPECT_EQ(fired_at.size(), 5u);
}

TEST(TimerWheel, CallbackRearmingAtZeroDelayRunsOncePerAdvance) {
    TimerWheel wheel(10);
    wheel.advance(kStart);
    int fired = 0;
    Timer timer;
    timer.set_callback([&] {
        ++fired;
        wheel.schedule(timer, kStart + 5);  // already due: must wait for the next advance
    });
    wheel.schedule(timer, kStart + 5);
    wheel.advance(kStart + 5);
    EXPECT_EQ(fired, 1);
    EXPECT_EQ(wheel.next_timeout_ms(kStart + 5), 0);
    wheel.advance(kStart + 6);
    EXPECT_EQ(fired, 2);
    wheel.cancel(timer);
}

TEST(TimerWheel, CallbackCanCancelATimerDueInTheSameAdvance) {
    TimerWheel wheel(10);
    wheel.advance(kStart);
    int second_fired = 0;
    Timer second([&] { ++second_fired; });
    Timer first([&] { wheel.cancel(second); });
    wheel.schedule(first, kStart + 10);
    wheel.schedule(second, kStart + 10);  // same tick, later in order
    Timer third([&] { ++second_fired; });
    Timer canceller([&] { wheel.cancel(third); });
    wheel.schedule(canceller, kStart + 15);
    wheel.schedule(third, kStart + 95);  // a later tick of the same advance
    wheel.advance(kStart + 100);
    EXPECT_EQ(second_fired, 0);
    EXPECT_EQ(wheel.size(), 0u);
}

TEST(TimerWheel, CallbackCanDestroyOtherTimersAndItsOwn) {
    TimerWheel wheel(10);
    wheel.advance(kStart);
    auto victim = std::make_unique<Timer>([] { ADD_FAILURE() << "destroyed timer fired"; });
    int fired = 0;
    auto self = std::make_unique<Timer>();
    self->set_callback([&] {
        ++fired;
        victim.reset();
        self.reset();  // as a connection's timeout closing the connection
    });
    wheel.schedule(*self, kStart + 10);
    wheel.schedule(*victim, kStart + 10);
    wheel.advance(kStart + 10);
    EXPECT_EQ(fired, 1);
    EXPECT_EQ(wheel.size(), 0u);
}

TEST(TimerWheel, CallbackCanReplaceItsOwnCallback) {
    TimerWheel wheel(10);
    wheel.advance(kStart);
    std::vector<int> calls;
    Timer timer;
    timer.set_callback([&] {
        calls.push_back(1);
        timer.set_callback([&] { calls.push_back(2); });
    });
    wheel.schedule(timer, kStart + 10);
    wheel.advance(kStart + 10);
    wheel.schedule(timer, kStart + 20);
    wheel.advance(kStart + 20);
    EXPECT_EQ(calls, (std::vector<int>{1, 2}));
}

TEST(TimerWheel, CallbackCanArmOtherTimers) {
    TimerWheel wheel(10);
    wheel.advance(kStart);
    uint64_t now = kStart;
    std::vector<uint64_t> fired_at;
    Timer chained([&] { fired_at.push_back(now); });
    Timer starter([&] {
        fired_at.push_back(now);
        wheel.schedule(chained, now + 1000);
    });
    wheel.schedule(starter, kStart + 10);
    run_until_empty(wheel, now);
    EXPECT_EQ(fired_at, (std::vector<uint64_t>{kStart + 10, kStart + 1010}));
}

TEST(TimerWheel, DeadlinesBeyondOneRevolutionWait) {
    TimerWheel wheel(10, 64);  // one revolution is 640 ms
    wheel.advance(kStart);
    int fired = 0;
    Timer far([&] { ++fired; });
    Timer near([&] { ++fired; });
    wheel.schedule(far, kStart + 10'005);  // shares slots with earlier revolutions
    wheel.schedule(near, kStart + 5);
    uint64_t now = kStart;
    for (; now < kStart + 10'005; now += 7) {
        wheel.advance(now);
        int64_t timeout = wheel.next_timeout_ms(now);
        // Never a wait that sleeps past the deadline.
        ASSERT_GE(timeout, 0);
        EXPECT_LE(now + static_cast<uint64_t>(timeout), kStart + 10'005);
    }
    EXPECT_EQ(fired, 1);
    EXPECT_TRUE(far.armed());
    wheel.advance(kStart + 10'005);
    EXPECT_EQ(fired, 2);
}

TEST(TimerWheel, IdleLoopWakesAtMostOncePerRevolutionForFarTimers) {
    TimerWheel wheel(10, 64);
    wheel.advance(kStart);
    uint64_t fired_at = 0;
    uint64_t now = kStart;
    Timer far([&] { fired_at = now; });
    wheel.schedule(far, kStart + 100'000);
    size_t advances = run_until_empty(wheel, now);
    EXPECT_EQ(fired_at, kStart + 100'000);
    EXPECT_LE(advances, 100'000u / 640 + 3);
}

TEST(TimerWheel, LongStallFiresEverythingDue) {
    TimerWheel wheel(10, 64);
    wheel.advance(kStart);
    std::vector<std::unique_ptr<Timer>> timers;
    int fired = 0;
    for (uint64_t offset : {5u, 640u, 641u, 5'000u, 59'999u, 60'000u, 60'001u}) {
        timers.push_back(std::make_unique<Timer>([&] { ++fired; }));
        wheel.schedule(*timers.back(), kStart + offset);
    }
    wheel.advance(kStart + 60'000);  // one call, many revolutions later
    EXPECT_EQ(fired, 6);
    EXPECT_EQ(wheel.size(), 1u);
    EXPECT_EQ(wheel.next_timeout_ms(kStart + 60'000), 1);
    wheel.advance(kStart + 60'001);
    EXPECT_EQ(fired, 7);
}

TEST(TimerWheel, NextTimeoutIsTheEarliestDeadline) {
    TimerWheel wheel(10);
    wheel.advance(kStart);
    Timer a;
    Timer b;
    wheel.schedule(a, kStart + 250);
    EXPECT_EQ(wheel.next_timeout_ms(kStart), 250);
    wheel.schedule(b, kStart + 40);
    EXPECT_EQ(wheel.next_timeout_ms(kStart), 40);
    EXPECT_EQ(wheel.next_timeout_ms(kStart + 40), 0);
    EXPECT_EQ(wheel.next_timeout_ms(kStart + 90), 0);
    wheel.advance(kStart + 40);
    EXPECT_EQ(wheel.next_timeout_ms(kStart + 40), 210);
    // Cancelling the earliest may leave an early wakeup, never a late one.
    wheel.schedule(b, kStart + 100);
    wheel.cancel(b);
    int64_t timeout = wheel.next_timeout_ms(kStart + 40);
    EXPECT_GE(timeout, 0);
    EXPECT_LE(timeout, 210);
    wheel.cancel(a);
    EXPECT_EQ(wheel.next_timeout_ms(kStart + 40), -1);
}

TEST(TimerWheel, HundredThousandTimersFireOnceInOrderNeverEarly) {
    TimerWheel wheel;  // 10 ms x 4096: deadlines below span over two revolutions
    wheel.advance(kStart);
    constexpr size_t kCount = 100'000;
    std::mt19937_64 random(42);
    std::uniform_int_distribution<uint64_t> offset(0, 100'000);
    std::vector<std::unique_ptr<Timer>> timers(kCount);
    std::vector<uint64_t> fired_at(kCount, 0);
    uint64_t now = kStart;
    uint64_t last_deadline = 0;
    size_t out_of_order = 0;
    for (size_t i = 0; i < kCount; ++i) {
        timers[i] = std::make_unique<Timer>();
        timers[i]->set_callback([&, i] {
            EXPECT_EQ(fired_at[i], 0u);
            fired_at[i] = now;
            if (timers[i]->deadline_ms() < last_deadline) ++out_of_order;
            last_deadline = timers[i]->deadline_ms();
        });
        wheel.schedule(*timers[i], kStart + offset(random));
    }
    // Cancel every tenth one.
    for (size_t i = 0; i < kCount; i += 10)
        wheel.cancel(*timers[i]);
    EXPECT_EQ(wheel.size(), kCount - kCount / 10);
    run_until_empty(wheel, now);
    EXPECT_EQ(out_of_order, 0u);
    for (size_t i = 0; i < kCount; ++i) {
        if (i % 10 == 0) {
            ASSERT_EQ(fired_at[i], 0u);
        } else {
            ASSERT_EQ(fired_at[i], timers[i]->deadline_ms()) << "timer " << i;
        }
    }
}

TEST(TimerWheel, RandomOperationsMatchAReferenceModel) {
    TimerWheel wheel(10, 32);
    wheel.advance(kStart);
    constexpr size_t kCount = 200;
    std::mt19937 random(7);
    std::vector<std::unique_ptr<Timer>> timers(kCount);
    std::vector<uint64_t> expected(kCount, 0);  // deadline, 0 when idle
    uint64_t now = kStart;
    for (size_t i = 0; i < kCount; ++i) {
        timers[i] = std::make_unique<Timer>([&, i] {
            EXPECT_EQ(expected[i] != 0 && expected[i] <= now, true) << "timer " << i;
            expected[i] = 0;
        });
    }
    for (int step = 0; step < 20'000; ++step) {
        size_t i = random() % kCount;
        unsigned operation = random() % 4;
        switch (operation) {
            case 0:
                wheel.cancel(*timers[i]);
                expected[i] = 0;
                break;
            case 1:
                now += random() % 30;
                wheel.advance(now);
                break;
            default:
                expected[i] = now + random() % 2'000;
                wheel.schedule(*timers[i], expected[i]);
        }
        size_t armed = 0;
        uint64_t earliest = UINT64_MAX;
        for (size_t j = 0; j < kCount; ++j) {
            if (expected[j] == 0) continue;
            ++armed;
            earliest = std::min(earliest, expected[j]);
            ASSERT_TRUE(timers[j]->armed());
            // advance() fires everything due.
            if (operation == 1) {
                ASSERT_GT(expected[j], now) << "timer " << j;
            }
        }
        ASSERT_EQ(wheel.size(), armed);
        int64_t timeout = wheel.next_timeout_ms(now);
        if (armed == 0) {
            ASSERT_EQ(timeout, -1);
        } else {
            ASSERT_GE(timeout, 0);
            ASSERT_LE(now + static_cast<uint64_t>(timeout), std::max(earliest, now));
        }
    }
}

}  // namespace
}  // namespace strata::net
