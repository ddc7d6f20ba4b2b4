// gunicorn's --timeout and --max-requests as the master sees them: workers that stop
// beating are aborted and replaced; workers that retire are replaced at once.
#include "master_harness.h"

namespace strata::process::testing {
namespace {

constexpr auto kTimeout = 1000ms;

void watch_for_timeouts(MasterOptions& options, const std::string& /*dir*/) {
    options.worker_timeout = kTimeout;
}

bool contains(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

// The one worker's pid, once it answers.
pid_t only_worker(const std::set<pid_t>& answering) {
    return answering.size() == 1 ? *answering.begin() : 0;
}

class WorkerTimeoutTest : public MasterTest {
  protected:
    // A worker other than `gone` answers, and `gone` no longer exists.
    bool replaced(pid_t gone) {
        if (!eventually([&] { return !process_exists(gone); })) return false;
        return eventually([&] {
            Answer answer = parse_answer(http_get(port_, "/"));
            return answer.pid != 0 && answer.pid != gone;
        });
    }
};

// An app call that never returns (busy-since stays old) while the loop beats happily.
TEST_F(WorkerTimeoutTest, AbortsAWorkerBusyTooLongAndReplacesIt) {
    start("gen1 1 busy", nginx_signals(), watch_for_timeouts);
    ASSERT_NE(port_, 0) << error_log();
    pid_t worker = only_worker(workers_answering("gen1", 1));
    ASSERT_NE(worker, 0);
    std::string line = fmt::format("[crit] {}#0: WORKER TIMEOUT (pid:{})", master_, worker);
    ASSERT_TRUE(eventually([&] { return contains(error_log(), line); })) << error_log();
    EXPECT_TRUE(replaced(worker)) << error_log();
    // No abort hook: SIGABRT's default action.
    EXPECT_TRUE(contains(error_log(), fmt::format("worker process {} exited on signal 6", worker)))
        << error_log();
}

// The worker's loop itself is stuck: its SIGABRT waits in the signalfd unread, so the
// master's SIGKILL a second later ends it.
TEST_F(WorkerTimeoutTest, KillsAWorkerWhoseLoopStoppedBeating) {
    start("gen1 1 abort", nginx_signals(), watch_for_timeouts);
    ASSERT_NE(port_, 0) << error_log();
    pid_t worker = only_worker(workers_answering("gen1", 1));
    ASSERT_NE(worker, 0);
    Reply frozen;
    std::thread client([&] { frozen = http_get(port_, "/freeze"); });
    EXPECT_TRUE(eventually([&] {
        return contains(error_log(), fmt::format("WORKER TIMEOUT (pid:{})", worker));
    })) << error_log();
    EXPECT_TRUE(replaced(worker)) << error_log();
    client.join();
    EXPECT_FALSE(frozen.ok);
    EXPECT_TRUE(contains(error_log(), fmt::format("worker process {} exited on signal 9", worker)))
        << error_log();
    EXPECT_FALSE(contains(events(), fmt::format("{} aborted", worker)));
}

TEST_F(WorkerTimeoutTest, RunsTheAbortHookThenExitsWithOne) {
    start("gen1 1 busy,abort", nginx_signals(), watch_for_timeouts);
    ASSERT_NE(port_, 0) << error_log();
    pid_t worker = only_worker(workers_answering("gen1", 1));
    ASSERT_NE(worker, 0);
    ASSERT_TRUE(eventually([&] {
        return contains(error_log(), fmt::format("worker process {} exited", worker));
    })) << error_log();
    EXPECT_TRUE(contains(events(), fmt::format("{} aborted\n", worker))) << events();
    EXPECT_TRUE(contains(error_log(), fmt::format("worker process {} exited with code 1", worker)))
        << error_log();
    EXPECT_TRUE(contains(error_log(), fmt::format("WORKER TIMEOUT (pid:{})", worker)));
}

// A healthy worker under a timeout: beats keep it alive well past the timeout.
TEST_F(WorkerTimeoutTest, LeavesAHealthyWorkerAlone) {
    start("gen1 1", nginx_signals(), watch_for_timeouts);
    ASSERT_NE(port_, 0) << error_log();
    pid_t worker = only_worker(workers_answering("gen1", 1));
    std::this_thread::sleep_for(kTimeout * 2);
    EXPECT_EQ(parse_answer(http_get(port_, "/")).pid, worker);
    EXPECT_FALSE(contains(error_log(), "WORKER TIMEOUT")) << error_log();
}

// gunicorn's --max-requests: the worker retires itself three times in a row, young each
// time; no back-off, and nothing louder than notice in the log.
TEST_F(MasterTest, ReplacesARetiredWorkerAtOnce) {
    start("gen1 1 retire");
    ASSERT_NE(port_, 0) << error_log();
    std::set<pid_t> retired;
    for (int round = 0; round < 3; ++round) {
        // The last round retires with a request still in flight: it is finished first.
        Reply reply = http_get(port_, round == 2 ? "/retire-slow" : "/retire");
        ASSERT_TRUE(reply.ok) << reply.error;
        ASSERT_EQ(reply.status, 200);
        pid_t worker = parse_answer(reply).pid;
        retired.insert(worker);
        ASSERT_TRUE(eventually([&] { return !process_exists(worker); })) << error_log();
        auto started = Clock::now();
        Answer next = parse_answer(http_get(port_, "/"));
        EXPECT_EQ(retired.count(next.pid), 0U);
        EXPECT_LT(Clock::now() - started, 2s);
    }
    std::string log = error_log();
    for (pid_t worker : retired)
        EXPECT_TRUE(contains(log, fmt::format("[notice] {}#0: worker process {} exited with code 0",
                                              master_, worker)))
            << log;
    EXPECT_FALSE(contains(log, "respawning in")) << log;
    for (const char* loud : {"[warn]", "[error]", "[crit]", "[alert]", "[emerg]"})
        EXPECT_FALSE(contains(log, loud)) << log;
}

}  // namespace
}  // namespace strata::process::testing
