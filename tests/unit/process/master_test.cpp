#include "strata/process/master.h"

#include <atomic>
#include <mutex>

#include "master_harness.h"
#include "strata/process/pid_file.h"

namespace strata::process::testing {
namespace {

size_t count_of(const std::string& text, const std::string& needle) {
    size_t count = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        ++count;
    return count;
}

TEST_F(MasterTest, ForksTheConfiguredWorkersAndWritesThePidFile) {
    start("gen1 3");
    ASSERT_NE(port_, 0) << error_log();
    EXPECT_EQ(workers_answering("gen1", 3).size(), 3U);
    EXPECT_EQ(read_text(pid_file()), fmt::format("{}\n", master_));
    EXPECT_EQ(count_of(error_log(), "start worker process"), 3U);
}

TEST_F(MasterTest, ReplacesAKilledWorker) {
    start("gen1 2");
    ASSERT_NE(port_, 0) << error_log();
    std::set<pid_t> before = workers_answering("gen1", 2);
    ASSERT_EQ(before.size(), 2U);
    pid_t victim = *before.begin();
    ASSERT_EQ(::kill(victim, SIGKILL), 0);
    ASSERT_TRUE(eventually([&] { return !process_exists(victim); }));
    std::set<pid_t> after = workers_answering("gen1", 2);
    EXPECT_EQ(after.size(), 2U);
    EXPECT_EQ(after.count(victim), 0U);
    EXPECT_NE(error_log().find(fmt::format("worker process {} exited on signal 9", victim)),
              std::string::npos)
        << error_log();
}

// Clients hammer the server, one connection per request, through five reloads; not one
// request may fail, and the old workers must be gone at the end.
TEST_F(MasterTest, ReloadsUnderLoadWithoutFailingARequest) {
    start("gen1 2");
    ASSERT_NE(port_, 0) << error_log();
    std::set<pid_t> old_workers = workers_answering("gen1", 2);
    std::atomic<bool> done{false};
    std::atomic<int> served{0};
    std::mutex failures_mutex;
    std::vector<std::string> failures;
    auto hammer = [&] {
        while (!done) {
            Reply reply = http_get(port_, "/");
            if (reply.ok && reply.status == 200) {
                ++served;
                continue;
            }
            std::lock_guard lock(failures_mutex);
            failures.push_back(reply.ok ? fmt::format("status {}", reply.status) : reply.error);
        }
    };
    std::vector<std::thread> clients;
    for (int i = 0; i < 3; ++i)
        clients.emplace_back(hammer);
    for (int generation = 2; generation <= 6; ++generation) {
        std::string name = fmt::format("gen{}", generation);
        write_config(name + " 2");
        signal_master(SIGHUP);
        std::set<pid_t> current = workers_answering(name, 2);
        EXPECT_EQ(current.size(), 2U) << name;
        if (generation < 6) old_workers.insert(current.begin(), current.end());
    }
    done = true;
    for (std::thread& client : clients)
        client.join();
    EXPECT_TRUE(failures.empty()) << failures.size() << " failed, first: " << failures.front();
    EXPECT_GT(served.load(), 50);
    for (pid_t pid : old_workers)
        EXPECT_TRUE(eventually([pid] { return !process_exists(pid); })) << pid;
}

TEST_F(MasterTest, RejectsAnInvalidReloadAndKeepsServing) {
    start("gen1 2");
    ASSERT_NE(port_, 0) << error_log();
    std::set<pid_t> before = workers_answering("gen1", 2);
    write_config("bad");
    // The same path an operator takes: `strata -s reload`.
    ASSERT_TRUE(send_signal_to_master(pid_file(), "reload"));
    ASSERT_TRUE(
        eventually([&] { return error_log().find("reload rejected") != std::string::npos; }));
    EXPECT_NE(error_log().find("[emerg]"), std::string::npos);
    EXPECT_NE(error_log().find("config:1: bad configuration"), std::string::npos);
    EXPECT_EQ(workers_answering("gen1", 2), before);
}

TEST_F(MasterTest, QuitFinishesTheRequestInFlightThenExits) {
    start("gen1 1");
    ASSERT_NE(port_, 0) << error_log();
    Reply slow;
    std::thread client([&] { slow = http_get(port_, "/slow"); });
    std::this_thread::sleep_for(300ms);  // the request is in the worker's hands by now
    signal_master(SIGQUIT);
    client.join();
    EXPECT_TRUE(slow.ok) << slow.error;
    EXPECT_EQ(slow.status, 200);
    EXPECT_EQ(wait_exit(), 0) << error_log();
    EXPECT_FALSE(std::filesystem::exists(pid_file()));
    EXPECT_FALSE(http_get(port_, "/").ok);  // the listener is closed
}

TEST_F(MasterTest, TermStopsAtOnce) {
    start("gen1 2");
    ASSERT_NE(port_, 0) << error_log();
    std::set<pid_t> workers = workers_answering("gen1", 2);
    Reply slow;
    std::thread client([&] { slow = http_get(port_, "/slow"); });
    std::this_thread::sleep_for(300ms);
    auto started = Clock::now();
    signal_master(SIGTERM);
    EXPECT_EQ(wait_exit(), 0) << error_log();
    client.join();
    // Fast stop drops the slow request rather than waiting for it.
    EXPECT_FALSE(slow.ok && slow.status == 200) << slow.body;
    EXPECT_LT(Clock::now() - started, std::chrono::milliseconds(kSlowResponseMs) + 5s);
    EXPECT_FALSE(std::filesystem::exists(pid_file()));
    for (pid_t pid : workers)
        EXPECT_TRUE(eventually([pid] { return !process_exists(pid); })) << pid;
}

TEST_F(MasterTest, Usr1ReopensLogsInTheMasterAndEveryWorker) {
    start("gen1 2");
    ASSERT_NE(port_, 0) << error_log();
    ASSERT_EQ(workers_answering("gen1", 2).size(), 2U);
    signal_master(SIGUSR1);
    ASSERT_TRUE(eventually([&] { return count_of(read_text(dir_ + "/reopened"), "worker") == 2; }))
        << read_text(dir_ + "/reopened");
    EXPECT_EQ(count_of(read_text(dir_ + "/reopened"), "master"), 1U);
}

TEST_F(MasterTest, GunicornSignalsAddAndRemoveWorkers) {
    start("gen1 1", gunicorn_signals());
    ASSERT_NE(port_, 0) << error_log();
    signal_master(SIGTTIN);
    std::set<pid_t> two = workers_answering("gen1", 2);
    ASSERT_EQ(two.size(), 2U);
    signal_master(SIGTTOU);
    ASSERT_TRUE(eventually(
        [&] { return !process_exists(*two.begin()) || !process_exists(*two.rbegin()); }));
    signal_master(SIGTERM);  // graceful for gunicorn
    EXPECT_EQ(wait_exit(), 0) << error_log();
}

TEST_F(MasterTest, BacksOffAWorkerThatKeepsDying) {
    start("gen1 1 crash");
    ASSERT_NE(port_, 0) << error_log();
    std::this_thread::sleep_for(1500ms);
    // At once, then after 100, 200, 400, 800 ms: a handful, not hundreds.
    size_t starts = count_of(error_log(), "start worker process");
    EXPECT_GE(starts, 3U);
    EXPECT_LE(starts, 8U);
    EXPECT_NE(error_log().find("respawning in"), std::string::npos);
}

TEST_F(MasterTest, StopsWhenAWorkerFailsToBoot) {
    start("gen1 2 boot-fail");
    EXPECT_EQ(wait_exit(), kWorkerBootFailed) << error_log();
    EXPECT_NE(error_log().find("failed to boot"), std::string::npos);
}

TEST_F(MasterTest, StartUpErrorsExitBeforeAnyWorker) {
    start("bad");
    EXPECT_EQ(port_, 0);
    EXPECT_EQ(wait_exit(), 1);
    EXPECT_NE(error_log().find("[emerg]"), std::string::npos);
    EXPECT_EQ(error_log().find("start worker process"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(pid_file()));
}

}  // namespace
}  // namespace strata::process::testing
