// gunicorn's server hooks and words, as `strata wsgi` gets them from the master.
#include <algorithm>
#include <map>

#include "master_harness.h"

namespace strata::process::testing {
namespace {

bool contains(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

size_t count_of(const std::string& text, const std::string& needle) {
    size_t count = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        ++count;
    return count;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

// Every hook notes its call in "<dir>/hooks": the master's as "master <hook> <args>",
// post_fork (in the worker) as "<pid> post_fork <slot>" in "<dir>/events", where the
// worker then notes "<pid> run <slot>".
void record_hooks(MasterOptions& options, const std::string& dir) {
    auto note = [dir](const std::string& line) { append_text(dir + "/hooks", line + "\n"); };
    auto ready = options.when_ready;
    options.when_ready = [note, ready](const std::vector<int>& fds) {
        note("when_ready");
        ready(fds);
    };
    options.nworkers_changed = [note](unsigned now, unsigned before) {
        note(fmt::format("nworkers_changed {} {}", now, before));
    };
    options.pre_fork = [note](unsigned slot) { note(fmt::format("pre_fork {}", slot)); };
    options.post_fork = [dir](const WorkerContext& context) {
        note_event(dir, fmt::format("post_fork {}", context.slot));
    };
    options.child_exit = [note](pid_t pid, int status) {
        note(fmt::format("child_exit {} {}", pid, status));
    };
    options.on_reload = [note] { note("on_reload"); };
    options.on_exit = [note] { note("on_exit"); };
}

void speak_gunicorn(MasterOptions& options, const std::string& /*dir*/) {
    options.messages = gunicorn_messages();
    log::set_level(log::Level::info);
}

class HooksTest : public MasterTest {
  protected:
    std::string hooks() const { return read_text(dir_ + "/hooks"); }
    bool hook_seen(const std::string& needle, size_t times = 1) {
        return eventually([&] { return count_of(hooks(), needle) >= times; });
    }
};

// Start with one worker, TTIN, TTOU, HUP, TERM: every master hook, in gunicorn's order,
// with its arguments.
TEST_F(HooksTest, CallsEveryMasterHookInOrder) {
    start("gen1 1 record", gunicorn_signals(), record_hooks);
    ASSERT_NE(port_, 0) << error_log();
    pid_t first = *workers_answering("gen1", 1).begin();
    signal_master(SIGTTIN);
    std::set<pid_t> two = workers_answering("gen1", 2);
    ASSERT_EQ(two.size(), 2U);
    pid_t second = first == *two.begin() ? *two.rbegin() : *two.begin();
    signal_master(SIGTTOU);  // retires the highest slot: the second worker
    ASSERT_TRUE(hook_seen("child_exit")) << hooks();
    write_config("gen2 1 record");
    signal_master(SIGHUP);
    pid_t third = *workers_answering("gen2", 1).begin();
    ASSERT_TRUE(hook_seen("child_exit", 2)) << hooks();
    signal_master(SIGTERM);
    ASSERT_EQ(wait_exit(), 0) << error_log();

    std::vector<std::string> expected = {
        "nworkers_changed 1 0",
        "when_ready",
        "pre_fork 0",
        "nworkers_changed 2 1",
        "pre_fork 1",
        "nworkers_changed 1 2",
        fmt::format("child_exit {} 0", second),
        "nworkers_changed 1 1",
        "on_reload",
        "pre_fork 0",
        fmt::format("child_exit {} 0", first),
        fmt::format("child_exit {} 0", third),
        "on_exit",
    };
    EXPECT_EQ(lines_of(hooks()), expected) << hooks();
}

// post_fork runs in the worker, before the worker's own code, with its slot.
TEST_F(HooksTest, RunsPostForkInTheWorkerBeforeItsCode) {
    start("gen1 2 record", gunicorn_signals(), record_hooks);
    ASSERT_NE(port_, 0) << error_log();
    std::set<pid_t> workers = workers_answering("gen1", 2);
    ASSERT_EQ(workers.size(), 2U);
    std::map<pid_t, std::vector<std::string>> per_worker;
    for (const std::string& line : lines_of(events())) {
        std::istringstream in(line);
        pid_t pid = 0;
        in >> pid;
        std::string rest;
        std::getline(in, rest);
        per_worker[pid].push_back(rest);
    }
    std::set<std::string> slots;
    for (pid_t pid : workers) {
        const std::vector<std::string>& seen = per_worker[pid];
        ASSERT_EQ(seen.size(), 2U) << events();
        EXPECT_EQ(seen[0].substr(0, 11), " post_fork ") << events();
        EXPECT_EQ(seen[1], " run" + seen[0].substr(10)) << events();
        slots.insert(seen[0]);
    }
    EXPECT_EQ(slots, (std::set<std::string>{" post_fork 0", " post_fork 1"}));
}

TEST_F(HooksTest, TtouNeverGoesBelowOneWorker) {
    start("gen1 1", gunicorn_signals(), record_hooks);
    ASSERT_NE(port_, 0) << error_log();
    signal_master(SIGTTOU);
    ASSERT_TRUE(eventually([&] { return contains(error_log(), "(SIGTTOU) received"); }));
    signal_master(SIGTTIN);
    ASSERT_TRUE(hook_seen("pre_fork 1")) << hooks();
    std::vector<std::string> expected = {"nworkers_changed 1 0", "when_ready", "pre_fork 0",
                                         "nworkers_changed 2 1", "pre_fork 1"};
    EXPECT_EQ(lines_of(hooks()), expected) << hooks();
}

// The worker_int hook: gunicorn's INT/QUIT is a fast stop; the hook runs in the worker,
// which then exits 0.
TEST_F(MasterTest, RunsTheFastStopHookInTheWorker) {
    start("gen1 1 record", gunicorn_signals());
    ASSERT_NE(port_, 0) << error_log();
    pid_t worker = *workers_answering("gen1", 1).begin();
    signal_master(SIGINT);
    EXPECT_EQ(wait_exit(), 0) << error_log();
    EXPECT_TRUE(contains(events(), fmt::format("{} fast_stop\n", worker))) << events();
    EXPECT_TRUE(contains(error_log(), fmt::format("worker process {} exited with code 0", worker)))
        << error_log();
}

// gunicorn's TERM: workers finish what they can within graceful_timeout, then SIGKILL.
TEST_F(MasterTest, GunicornTermKillsWorkersAfterTheGracefulTimeout) {
    start("gen1 1", gunicorn_signals(),
          [](MasterOptions& options, const std::string&) { options.graceful_timeout = 300ms; });
    ASSERT_NE(port_, 0) << error_log();
    pid_t worker = *workers_answering("gen1", 1).begin();
    Reply slow;
    std::thread client([&] { slow = http_get(port_, "/slow"); });
    std::this_thread::sleep_for(200ms);
    signal_master(SIGTERM);
    EXPECT_EQ(wait_exit(), 0) << error_log();
    client.join();
    EXPECT_FALSE(slow.ok && slow.status == 200) << slow.body;
    EXPECT_TRUE(contains(error_log(), fmt::format("worker process {} exited on signal 9", worker)))
        << error_log();
}

// With a graceful timeout longer than the request, TERM lets it finish.
TEST_F(MasterTest, GunicornTermFinishesWhatFitsInTheGracefulTimeout) {
    start("gen1 1", gunicorn_signals(),
          [](MasterOptions& options, const std::string&) { options.graceful_timeout = 10s; });
    ASSERT_NE(port_, 0) << error_log();
    Reply slow;
    std::thread client([&] { slow = http_get(port_, "/slow"); });
    std::this_thread::sleep_for(300ms);
    signal_master(SIGTERM);
    EXPECT_EQ(wait_exit(), 0) << error_log();
    client.join();
    EXPECT_TRUE(slow.ok && slow.status == 200) << slow.error;
}

// ---- gunicorn's words ---------------------------------------------------------------

TEST_F(MasterTest, SpeaksGunicornsWords) {
    start("gen1 1", gunicorn_signals(), speak_gunicorn);
    ASSERT_NE(port_, 0) << error_log();
    pid_t first = *workers_answering("gen1", 1).begin();
    signal_master(SIGTTIN);
    ASSERT_EQ(workers_answering("gen1", 2).size(), 2U);
    write_config("gen2 1");
    signal_master(SIGHUP);
    pid_t second = *workers_answering("gen2", 1).begin();
    ASSERT_TRUE(eventually([&] { return !process_exists(first); }));
    ASSERT_EQ(::kill(second, SIGKILL), 0);
    ASSERT_TRUE(eventually([&] { return contains(error_log(), "terminated due to signal 9"); }));
    std::string master = fmt::format("{}#0: ", master_);
    signal_master(SIGTERM);
    EXPECT_EQ(wait_exit(), 0) << error_log();

    std::string log = error_log();
    EXPECT_TRUE(
        contains(log, fmt::format("[info] {}#0: Booting worker with pid: {}", first, first)))
        << log;
    for (const char* name : {"ttin", "hup", "term"})
        EXPECT_TRUE(contains(log, master + "Handling signal: " + name)) << log;
    EXPECT_TRUE(contains(log, "[info] " + master + "Hang up: Master")) << log;
    EXPECT_TRUE(contains(log, fmt::format("[info] {}#0: Worker exiting (pid: {})", first, first)))
        << log;
    EXPECT_TRUE(contains(log, fmt::format("[warn] {}Worker with pid {} was terminated due to "
                                          "signal 9",
                                          master, second)))
        << log;
    std::vector<std::string> lines = lines_of(log);
    ASSERT_FALSE(lines.empty());
    EXPECT_TRUE(contains(lines.back(), "[info] " + master + "Shutting down: Master")) << log;
    // None of nginx's.
    for (const char* nginx : {"start worker process", "received,", "exited with code", "exit\n"})
        EXPECT_FALSE(contains(log, nginx)) << nginx << "\n" << log;
}

TEST_F(MasterTest, GivesGunicornsReasonWhenAWorkerFailsToBoot) {
    start("gen1 1 boot-fail", gunicorn_signals(), speak_gunicorn);
    EXPECT_EQ(wait_exit(), kWorkerBootFailed) << error_log();
    std::vector<std::string> lines = lines_of(error_log());
    ASSERT_GE(lines.size(), 2U);
    EXPECT_TRUE(contains(lines[lines.size() - 2], "Shutting down: Master")) << error_log();
    EXPECT_TRUE(contains(lines.back(), "[info]")) << error_log();
    EXPECT_TRUE(contains(lines.back(), "Reason: Worker failed to boot.")) << error_log();
}

}  // namespace
}  // namespace strata::process::testing
