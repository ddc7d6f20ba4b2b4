#include "strata/net/event_loop.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

namespace strata::net {
namespace {

// Stops the loop if a test would otherwise hang, and fails it.
constexpr uint64_t kSafetyMs = 10'000;

int64_t realtime_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);  // time() may lag: it reads a coarser clock
    return ts.tv_sec;
}

uint64_t monotonic_ms() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
}

struct Pipe {
    int read_end = -1;
    int write_end = -1;
    Pipe() {
        int fds[2];
        EXPECT_EQ(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
        read_end = fds[0];
        write_end = fds[1];
    }
    ~Pipe() {
        if (read_end >= 0) close(read_end);
        if (write_end >= 0) close(write_end);
    }
    void make_readable() const { EXPECT_EQ(write(write_end, "x", 1), 1); }
};

class FunctionHandler : public IoHandler {
  public:
    explicit FunctionHandler(std::function<void(uint32_t)> fn) : fn_(std::move(fn)) {}
    virtual ~FunctionHandler() = default;
    void on_io(uint32_t events) override { fn_(events); }

  private:
    std::function<void(uint32_t)> fn_;
};

class EventLoopTest : public ::testing::Test {
  protected:
    void SetUp() override {
        safety_.set_callback([this] {
            ADD_FAILURE() << "safety timeout: the loop did not stop";
            loop_.stop();
        });
        loop_.arm(safety_, kSafetyMs);
    }

    EventLoop loop_;
    Timer safety_;
};

TEST_F(EventLoopTest, ClocksAreReadAtConstruction) {
    uint64_t real_ms = monotonic_ms();
    EXPECT_LE(loop_.now_ms(), real_ms);
    EXPECT_GE(loop_.now_ms() + 5'000, real_ms);
    int64_t wall = realtime_seconds();
    EXPECT_LE(loop_.wall_seconds(), wall);
    EXPECT_GE(loop_.wall_seconds() + 5, wall);
}

TEST_F(EventLoopTest, StopFromInsideTheLoop) {
    int ran = 0;
    loop_.post([&] {
        ++ran;
        loop_.stop();
    });
    loop_.run();
    EXPECT_EQ(ran, 1);
}

TEST_F(EventLoopTest, StopFromAnotherThreadWakesAnIdleLoop) {
    std::atomic<bool> running{false};
    loop_.post([&] { running = true; });
    std::thread stopper([&] {
        while (!running)
            std::this_thread::yield();
        loop_.stop();
    });
    loop_.run();
    stopper.join();
    EXPECT_TRUE(running);
}

TEST_F(EventLoopTest, StopBeforeRunReturnsAndTheLoopCanRunAgain) {
    loop_.stop();
    loop_.run();
    bool ran = false;
    loop_.post([&] {
        ran = true;
        loop_.stop();
    });
    loop_.run();
    EXPECT_TRUE(ran);
}

TEST_F(EventLoopTest, PostIsThreadSafeAndLosesNothing) {
    constexpr int kThreads = 4;
    constexpr int kPerThread = 2'000;
    int executed = 0;  // touched on the loop thread only
    std::vector<std::thread> producers;
    for (int t = 0; t < kThreads; ++t) {
        producers.emplace_back([&] {
            for (int i = 0; i < kPerThread; ++i) {
                loop_.post([&] {
                    if (++executed == kThreads * kPerThread) loop_.stop();
                });
            }
        });
    }
    loop_.run();
    for (auto& producer : producers)
        producer.join();
    EXPECT_EQ(executed, kThreads * kPerThread);
}

// Each post waits for the previous one to have run, so the loop is caught at every
// point: asleep in epoll_wait, about to sleep, and busy running the last post. A lost
// wakeup leaves the producer waiting and the safety timer fails the test.
TEST_F(EventLoopTest, PingPongPostsAreNeverLeftWaiting) {
    constexpr int kRounds = 20'000;
    std::atomic<int> executed{0};
    std::atomic<bool> loop_ended{false};
    std::thread producer([&] {
        for (int i = 0; i < kRounds && !loop_ended.load(); ++i) {
            loop_.post([&] { executed.fetch_add(1); });
            while (executed.load() == i && !loop_ended.load())
                std::this_thread::yield();
        }
        loop_.post([&] { loop_.stop(); });
    });
    loop_.run();
    loop_ended.store(true);
    producer.join();
    EXPECT_EQ(executed.load(), kRounds);
}

TEST_F(EventLoopTest, WorkPostedBeforeStopStillRuns) {
    bool ran = false;
    std::thread producer([&] {
        loop_.post([&] { ran = true; });
        loop_.stop();
    });
    loop_.run();
    producer.join();
    // stop() may have been seen before the post was drained; run() drains on the way out.
    EXPECT_TRUE(ran);
}

TEST_F(EventLoopTest, DispatchesReadableFdToItsHandler) {
    Pipe pipe;
    uint32_t seen = 0;
    FunctionHandler handler([&](uint32_t events) {
        seen = events;
        char byte;
        EXPECT_EQ(read(pipe.read_end, &byte, 1), 1);
        loop_.stop();
    });
    loop_.add(pipe.read_end, EPOLLIN, &handler);
    pipe.make_readable();
    loop_.run();
    EXPECT_TRUE(seen & EPOLLIN);
    loop_.remove(pipe.read_end);
}

TEST_F(EventLoopTest, ModifyChangesInterestAndHandler) {
    int fds[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
    int reader_calls = 0;
    FunctionHandler reader([&](uint32_t) { ++reader_calls; });
    uint32_t writer_events = 0;
    FunctionHandler writer([&](uint32_t events) {
        writer_events = events;
        loop_.stop();
    });
    loop_.add(fds[0], EPOLLIN, &reader);  // nothing to read: never ready
    loop_.modify(fds[0], EPOLLOUT, &writer);
    loop_.run();
    EXPECT_EQ(reader_calls, 0);
    EXPECT_TRUE(writer_events & EPOLLOUT);
    loop_.remove(fds[0]);
    close(fds[0]);
    close(fds[1]);
}

TEST_F(EventLoopTest, RemovedFdIsNotDispatched) {
    Pipe pipe;
    int calls = 0;
    FunctionHandler handler([&](uint32_t) { ++calls; });
    loop_.add(pipe.read_end, EPOLLIN, &handler);
    pipe.make_readable();
    loop_.remove(pipe.read_end);
    Timer done([&] { loop_.stop(); });
    loop_.arm(done, 20);
    loop_.run();
    EXPECT_EQ(calls, 0);
}

TEST_F(EventLoopTest, RemovingAnFdThatWasClosedFirstIsHarmless) {
    auto pipe = std::make_unique<Pipe>();
    FunctionHandler handler([](uint32_t) {});
    int fd = pipe->read_end;
    loop_.add(fd, EPOLLIN, &handler);
    pipe.reset();
    loop_.remove(fd);
    loop_.remove(12345);  // never registered
}

// Two readable fds whose handlers each destroy the other: whichever runs first, the
// other's event from the same epoll batch must not reach the destroyed handler.
TEST_F(EventLoopTest, HandlerDestroyedEarlierInTheBatchIsNotCalled) {
    Pipe first_pipe;
    Pipe second_pipe;
    std::unique_ptr<FunctionHandler> first;
    std::unique_ptr<FunctionHandler> second;
    int calls = 0;
    first = std::make_unique<FunctionHandler>([&](uint32_t) {
        ++calls;
        loop_.remove(second_pipe.read_end);
        second.reset();
        loop_.remove(first_pipe.read_end);
    });
    second = std::make_unique<FunctionHandler>([&](uint32_t) {
        ++calls;
        loop_.remove(first_pipe.read_end);
        first.reset();
        loop_.remove(second_pipe.read_end);
    });
    loop_.add(first_pipe.read_end, EPOLLIN, first.get());
    loop_.add(second_pipe.read_end, EPOLLIN, second.get());
    first_pipe.make_readable();
    second_pipe.make_readable();
    loop_.defer([&] { loop_.stop(); });  // after the first batch
    loop_.run();
    EXPECT_EQ(calls, 1);
    EXPECT_TRUE(first == nullptr || second == nullptr);
}

// A handler removes and closes another fd, then registers a fresh one (which gets the
// same number back from the kernel) with a new handler: the old, stale event from the
// same batch must not be delivered to the new registration.
TEST_F(EventLoopTest, StaleEventForAReusedFdIsNotDelivered) {
    auto victim = std::make_unique<Pipe>();
    Pipe trigger;
    Pipe fresh;  // never written: its handler must stay silent
    int victim_fd = victim->read_end;
    int reused_fd = -1;
    int fresh_calls = 0;
    FunctionHandler fresh_handler([&](uint32_t) { ++fresh_calls; });
    int victim_calls = 0;
    FunctionHandler victim_handler([&](uint32_t) { ++victim_calls; });
    auto replace_victim = [&] {
        if (reused_fd >= 0) return;
        loop_.remove(victim_fd);
        victim.reset();
        reused_fd = dup(fresh.read_end);  // lowest free number: the victim's
        loop_.add(reused_fd, EPOLLIN, &fresh_handler);
    };
    FunctionHandler trigger_handler([&](uint32_t) { replace_victim(); });
    loop_.add(trigger.read_end, EPOLLIN, &trigger_handler);
    loop_.add(victim_fd, EPOLLIN, &victim_handler);
    // epoll reports in readiness order: the trigger first makes the victim's event stale.
    trigger.make_readable();
    victim->make_readable();
    loop_.defer([&] { loop_.stop(); });
    loop_.run();
    EXPECT_EQ(fresh_calls, 0);
    // Either the victim's event came first in the batch (and then the trigger replaced
    // it), or the trigger came first and the victim's event was dropped.
    EXPECT_LE(victim_calls, 1);
    EXPECT_EQ(reused_fd, victim_fd);
    loop_.remove(reused_fd);
    loop_.remove(trigger.read_end);
    close(reused_fd);
}

TEST_F(EventLoopTest, DeferRunsAfterTheBatchAndChainsAreNotLost) {
    Pipe pipe;
    std::vector<std::string_view> order;  // views of literals: no copies to get wrong
    FunctionHandler handler([&](uint32_t) {
        loop_.remove(pipe.read_end);
        loop_.defer([&] {
            order.push_back("deferred");
            loop_.defer([&] {
                order.push_back("deferred from deferred");
                loop_.defer([&] {
                    order.push_back("third");
                    loop_.stop();
                });
            });
        });
        order.push_back("handler");
    });
    loop_.add(pipe.read_end, EPOLLIN, &handler);
    pipe.make_readable();
    loop_.run();
    EXPECT_EQ(order, (std::vector<std::string_view>{"handler", "deferred", "deferred from deferred",
                                                    "third"}));
}

TEST_F(EventLoopTest, DeferredCallbackMayDestroyTheHandlerThatDeferredIt) {
    Pipe pipe;
    auto handler = std::make_unique<FunctionHandler>([](uint32_t) {});
    handler = std::make_unique<FunctionHandler>([&](uint32_t) {
        loop_.remove(pipe.read_end);
        loop_.defer([&] {
            handler.reset();
            loop_.stop();
        });
    });
    loop_.add(pipe.read_end, EPOLLIN, handler.get());
    pipe.make_readable();
    loop_.run();
    EXPECT_EQ(handler, nullptr);
}

TEST_F(EventLoopTest, TimerFiresNotBeforeItsDeadline) {
    uint64_t armed_at = loop_.now_ms();
    uint64_t fired_at = 0;
    uint64_t real_fired_at = 0;
    Timer timer([&] {
        fired_at = loop_.now_ms();
        real_fired_at = monotonic_ms();
        loop_.stop();
    });
    loop_.arm(timer, 30);
    EXPECT_EQ(timer.deadline_ms(), armed_at + 30);
    loop_.run();
    EXPECT_GE(fired_at, armed_at + 30);
    EXPECT_GE(real_fired_at, armed_at + 30);  // the cached clock is never ahead of real time
    EXPECT_LT(fired_at, armed_at + kSafetyMs);
}

TEST_F(EventLoopTest, TimersFireInDeadlineOrder) {
    std::vector<int> order;
    Timer third([&] {
        order.push_back(3);
        loop_.stop();
    });
    Timer first([&] { order.push_back(1); });
    Timer second([&] { order.push_back(2); });
    loop_.arm(third, 45);
    loop_.arm(first, 5);
    loop_.arm(second, 25);
    loop_.run();
    EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST_F(EventLoopTest, DisarmedTimerDoesNotFire) {
    int fired = 0;
    Timer timer([&] { ++fired; });
    loop_.arm(timer, 5);
    loop_.disarm(timer);
    EXPECT_FALSE(timer.armed());
    Timer done([&] { loop_.stop(); });
    loop_.arm(done, 30);
    loop_.run();
    EXPECT_EQ(fired, 0);
}

TEST_F(EventLoopTest, RearmingPeriodicTimerFromItsCallback) {
    int ticks = 0;
    uint64_t previous = loop_.now_ms();
    Timer periodic;
    periodic.set_callback([&] {
        EXPECT_GE(loop_.now_ms(), previous + 10);
        previous = loop_.now_ms();
        if (++ticks == 5) {
            loop_.stop();
        } else {
            loop_.arm(periodic, 10);
        }
    });
    loop_.arm(periodic, 10);
    loop_.run();
    EXPECT_EQ(ticks, 5);
}

TEST_F(EventLoopTest, ClocksAdvanceBetweenIterations) {
    uint64_t start_ms = loop_.now_ms();
    Timer timer([&] { loop_.stop(); });
    loop_.arm(timer, 20);
    loop_.run();
    EXPECT_GE(loop_.now_ms(), start_ms + 20);
    EXPECT_GE(loop_.wall_seconds() + 5, realtime_seconds());
}

TEST_F(EventLoopTest, PostFromAHandlerWakesTheLoop) {
    Pipe pipe;
    bool posted_ran = false;
    FunctionHandler handler([&](uint32_t) {
        loop_.remove(pipe.read_end);
        loop_.post([&] {
            posted_ran = true;
            loop_.stop();
        });
    });
    loop_.add(pipe.read_end, EPOLLIN, &handler);
    pipe.make_readable();
    loop_.run();
    EXPECT_TRUE(posted_ran);
}

}  // namespace
}  // namespace strata::net
