#include "strata/process/heartbeat.h"

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "strata/process/detail/shared_heartbeat.h"
#include "strata/process/detail/timeout_watch.h"

namespace strata::process {
namespace {

using std::chrono::milliseconds;

struct ExpiryCase {
    uint64_t tick, busy_since, now;
    bool expired;
};

// Timeout 1000 ms throughout.
TEST(WorkerHeartbeat, ExpiresOnAStaleTickOrAnOldRequest) {
    const ExpiryCase cases[] = {
        {5000, 0, 5000, false},     // just beaten
        {5000, 0, 6000, false},     // exactly the timeout: not yet
        {5000, 0, 6001, true},      // the loop stopped beating
        {5000, 4500, 5400, false},  // a request running 900 ms
        {5000, 3999, 5000, true},   // a request running 1001 ms, loop fine
        {5000, 0, 4000, false},     // a clock read before the beat
    };
    for (const ExpiryCase& c : cases) {
        WorkerHeartbeat heartbeat;
        heartbeat.tick_ms = c.tick;
        heartbeat.busy_since_ms = c.busy_since;
        EXPECT_EQ(heartbeat.expired(c.now, 1000), c.expired)
            << c.tick << " " << c.busy_since << " " << c.now;
    }
}

TEST(WorkerHeartbeat, BeatStampsNowAndTheBusyTime) {
    WorkerHeartbeat heartbeat;
    uint64_t before = monotonic_ms();
    heartbeat.beat(1234);
    EXPECT_GE(heartbeat.tick_ms.load(), before);
    EXPECT_LE(heartbeat.tick_ms.load(), monotonic_ms());
    EXPECT_EQ(heartbeat.busy_since_ms.load(), 1234U);
}

TEST(WorkerHeartbeat, BeatsOftenEnoughForTheTimeout) {
    EXPECT_EQ(beat_interval(milliseconds(30'000)), milliseconds(500));
    EXPECT_EQ(beat_interval(milliseconds(1000)), milliseconds(250));
    EXPECT_EQ(beat_interval(milliseconds(8)), milliseconds(10));
    EXPECT_EQ(detail::timeout_check_interval_ms(30'000), 1000U);
    EXPECT_EQ(detail::timeout_check_interval_ms(1000), 500U);
    EXPECT_EQ(detail::timeout_check_interval_ms(1), 10U);
}

// What a forked child beats, the parent reads.
TEST(SharedHeartbeat, IsSharedWithAForkedChild) {
    auto mapped = detail::map_shared_heartbeat(42);
    ASSERT_TRUE(mapped) << mapped.error();
    std::shared_ptr<WorkerHeartbeat> heartbeat = mapped.value();
    EXPECT_EQ(heartbeat->tick_ms.load(), 42U);
    EXPECT_EQ(heartbeat->busy_since_ms.load(), 0U);
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        heartbeat->beat(777);
        ::_exit(0);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_GT(heartbeat->tick_ms.load(), 42U);
    EXPECT_EQ(heartbeat->busy_since_ms.load(), 777U);
}

// The master's check: each expired worker is aborted once, with a SIGKILL deadline.
TEST(AbortHungWorkers, AbortsEachExpiredWorkerOnce) {
    pid_t child = ::fork();  // something to send SIGABRT to
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::pause();
        ::_exit(0);
    }
    detail::WorkerTable table;
    auto fresh = std::make_shared<WorkerHeartbeat>();
    auto stale = std::make_shared<WorkerHeartbeat>();
    fresh->tick_ms = 9500;
    stale->tick_ms = 8000;
    table.add({.pid = 999'999, .heartbeat = fresh, .timeout_ms = 1000});
    table.add({.pid = child, .heartbeat = stale, .timeout_ms = 1000});
    table.add({.pid = 999'998});  // not watched
    MasterMessages quiet;
    EXPECT_EQ(detail::shortest_timeout_ms(table), 1000U);
    detail::abort_hung_workers(table, 10'000, quiet);
    EXPECT_FALSE(table.entries()[0].aborted);
    EXPECT_TRUE(table.entries()[1].aborted);
    EXPECT_EQ(table.entries()[1].kill_at_ms, 10'000 + detail::kAbortKillMs);
    EXPECT_FALSE(table.entries()[2].aborted);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    detail::abort_hung_workers(table, 12'000, quiet);  // not again
    EXPECT_EQ(table.entries()[1].kill_at_ms, 10'000 + detail::kAbortKillMs);
}

}  // namespace
}  // namespace strata::process
