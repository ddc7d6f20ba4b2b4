#include "strata/process/detail/master_loop.h"

#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/core.h>

#include "strata/base/log.h"
#include "strata/process/detail/spawn.h"

namespace strata::process::detail {
namespace {

// After a fast stop, workers get this long to exit before SIGKILL (nginx waits about
// as long); a worker that never set up its signal handling ends here too.
constexpr uint64_t kFastStopKillMs = 3000;
// A worker dying sooner than this after its start counts toward the respawn back-off.
constexpr uint64_t kYoungWorkerMs = 2000;
constexpr uint64_t kFirstBackoffMs = 100;
constexpr uint64_t kMaxBackoffMs = 10'000;
constexpr unsigned kMaxBackoffShift = 16;
constexpr uint64_t kForkRetryMs = 1000;

uint64_t monotonic_ms() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
}

// nginx's words: "exited with code 0", "exited on signal 9 (core dumped)".
std::string describe_exit(int wait_status) {
    if (WIFSIGNALED(wait_status)) {
        return fmt::format("exited on signal {}{}", WTERMSIG(wait_status),
                           WCOREDUMP(wait_status) ? " (core dumped)" : "");
    }
    return fmt::format("exited with code {}", WEXITSTATUS(wait_status));
}

bool exited_cleanly(int wait_status) {
    return WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0;
}

}  // namespace

MasterLoop::MasterLoop(MasterOptions options) : options_(std::move(options)) {
    signals_ = options_.signals.signals();
    sigaddset(&signals_, SIGCHLD);
}

std::string MasterLoop::prepare() {
    auto loaded = options_.load();
    if (!loaded) return loaded.error();
    auto fds = listeners_.update(loaded->listen);
    if (!fds) return fds.error();
    adopt(std::move(loaded).value(), std::move(fds).value());
    return {};
}

void MasterLoop::adopt(Generation generation, std::vector<int> listen_fds) {
    generation_ = std::move(generation);
    listen_fds_ = std::move(listen_fds);
    ++generation_id_;
    wanted_workers_ = std::max(generation_.worker_processes, 1U);
    crash_streak_ = 0;
    spawn_not_before_ms_ = 0;
}

int MasterLoop::run() {
    now_ms_ = monotonic_ms();
    maintain();
    if (options_.when_ready) options_.when_ready(listen_fds_);
    while (state_ == State::running || !workers_.empty()) {
        int signo = wait_for_signal(signals_, std::chrono::milliseconds(wait_timeout_ms()));
        now_ms_ = monotonic_ms();
        if (signo != 0 && signo != SIGCHLD) handle_signal(signo);
        reap();
        kill_overdue();
        maintain();
    }
    listeners_.close_all();
    return exit_status_;
}

void MasterLoop::handle_signal(int signo) {
    Command command = options_.signals.command_for(signo);
    log::notice("signal {} ({}) received, {}", signo, signal_name(signo), command_name(command));
    switch (command) {
        case Command::reload:
            if (state_ == State::running) reload();
            break;
        case Command::graceful_stop:
        case Command::fast_stop:
            begin_stop(command);
            break;
        case Command::reopen_logs:
            reopen_logs();
            break;
        case Command::add_worker:
        case Command::remove_worker:
            change_worker_count(command);
            break;
        case Command::none:
            break;
    }
}

// New workers are forked before the old ones are told to stop, and both share the kept
// listening sockets, so some process is always accepting.
void MasterLoop::reload() {
    auto loaded = options_.load();
    auto fds = loaded ? listeners_.update(loaded->listen)
                      : Result<std::vector<int>, std::string>(Err(loaded.error()));
    if (!fds) {
        log::emit(log::Level::emerg, "{}", fds.error());
        log::notice("reload rejected, workers keep serving the previous configuration");
        return;
    }
    adopt(std::move(loaded).value(), std::move(fds).value());
    maintain();
    for (WorkerEntry& entry : workers_.entries()) {
        if (entry.generation != generation_id_ && entry.stop == Command::none) {
            tell(entry, Command::graceful_stop);
        }
    }
}

void MasterLoop::begin_stop(Command command) {
    if (state_ == State::fast_stop) return;
    if (state_ == State::graceful_stop && command == Command::graceful_stop) return;
    state_ = command == Command::fast_stop ? State::fast_stop : State::graceful_stop;
    for (WorkerEntry& entry : workers_.entries()) {
        if (entry.stop != Command::fast_stop) tell(entry, command);
    }
}

// gunicorn's TTIN/TTOU: maintain() forks or retires workers to match. Never below one.
void MasterLoop::change_worker_count(Command command) {
    if (state_ != State::running) return;
    if (command == Command::add_worker) {
        ++wanted_workers_;
    } else if (wanted_workers_ > 1) {
        --wanted_workers_;
    }
    log::notice("worker processes: {}", wanted_workers_);
}

void MasterLoop::reopen_logs() {
    if (options_.reopen_logs) options_.reopen_logs();
    int signo = options_.signals.signal_for(Command::reopen_logs);
    if (signo == 0) return;
    for (const WorkerEntry& entry : workers_.entries())
        ::kill(entry.pid, signo);
}

void MasterLoop::reap() {
    int wait_status = 0;
    pid_t pid;
    while ((pid = ::waitpid(-1, &wait_status, WNOHANG)) > 0) {
        auto entry = workers_.remove(pid);
        if (entry) on_worker_exit(*entry, wait_status);
    }
}

void MasterLoop::on_worker_exit(const WorkerEntry& entry, int wait_status) {
    log::emit(exited_cleanly(wait_status) ? log::Level::notice : log::Level::alert,
              "worker process {} {}", entry.pid, describe_exit(wait_status));
    if (options_.child_exit) options_.child_exit(entry.pid, wait_status);
    if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == kWorkerBootFailed) {
        log::emit(log::Level::emerg, "worker process {} failed to boot, stopping", entry.pid);
        exit_status_ = kWorkerBootFailed;
        begin_stop(Command::graceful_stop);
        return;
    }
    bool unexpected = entry.stop == Command::none && entry.generation == generation_id_;
    if (unexpected) note_crash(entry);
}

// One early death is respawned at once; a run of them (a worker that cannot start)
// waits longer each time instead of forking in a tight loop.
void MasterLoop::note_crash(const WorkerEntry& entry) {
    if (now_ms_ - entry.started_ms >= kYoungWorkerMs) {
        crash_streak_ = 0;
        return;
    }
    ++crash_streak_;
    if (crash_streak_ < 2) return;
    unsigned shift = std::min(crash_streak_ - 2, kMaxBackoffShift);
    uint64_t delay = std::min(kFirstBackoffMs << shift, kMaxBackoffMs);
    spawn_not_before_ms_ = now_ms_ + delay;
    log::emit(log::Level::alert, "worker processes exit right after start, respawning in {} ms",
              delay);
}

// Brings the current generation to the wanted number of workers.
void MasterLoop::maintain() {
    if (state_ != State::running) return;
    unsigned active = workers_.active(generation_id_);
    for (; active > wanted_workers_; --active)
        tell(*workers_.last_active(generation_id_), Command::graceful_stop);
    if (now_ms_ < spawn_not_before_ms_) return;
    for (; active < wanted_workers_; ++active) {
        if (!spawn_one()) {
            spawn_not_before_ms_ = now_ms_ + kForkRetryMs;
            return;
        }
    }
}

bool MasterLoop::spawn_one() {
    SpawnRequest request;
    request.context = {listen_fds_, workers_.free_slot(generation_id_), generation_id_,
                       &options_.signals};
    request.rlimit_nofile = generation_.worker_rlimit_nofile;
    request.run = &generation_.run_worker;
    pid_t pid = spawn_worker(request);
    if (pid < 0) {
        log::emit(log::Level::alert, "fork() failed while spawning \"worker process\" ({}: {})",
                  errno, strerrordesc_np(errno));
        return false;
    }
    log::notice("start worker process {}", pid);
    workers_.add({pid, generation_id_, request.context.slot, now_ms_});
    return true;
}

// Sends the signal the map gives `command`; without one, a graceful stop falls back to
// a fast one and a fast one to SIGKILL.
void MasterLoop::tell(WorkerEntry& entry, Command command) {
    int signo = options_.signals.signal_for(command);
    if (signo == 0 && command == Command::graceful_stop) {
        signo = options_.signals.signal_for(Command::fast_stop);
    }
    if (signo == 0) signo = SIGKILL;
    if (::kill(entry.pid, signo) != 0 && errno != ESRCH) {
        log::emit(log::Level::alert, "kill({}, {}) failed ({}: {})", entry.pid, signo, errno,
                  strerrordesc_np(errno));
    }
    entry.stop = command;
    uint64_t timeout = command == Command::fast_stop
                           ? kFastStopKillMs
                           : static_cast<uint64_t>(options_.graceful_timeout.count());
    entry.kill_at_ms = timeout == 0 ? 0 : now_ms_ + timeout;
}

void MasterLoop::kill_overdue() {
    for (WorkerEntry& entry : workers_.entries()) {
        if (entry.kill_at_ms == 0 || now_ms_ < entry.kill_at_ms) continue;
        log::emit(log::Level::alert, "worker process {} did not exit in time, sending SIGKILL",
                  entry.pid);
        ::kill(entry.pid, SIGKILL);
        entry.kill_at_ms = 0;
    }
}

// Until the next kill deadline or the end of a respawn back-off; -1 when neither.
int64_t MasterLoop::wait_timeout_ms() const {
    uint64_t next = workers_.next_kill_at();
    bool waiting_to_spawn = state_ == State::running && spawn_not_before_ms_ > now_ms_ &&
                            workers_.active(generation_id_) < wanted_workers_;
    if (waiting_to_spawn && (next == 0 || spawn_not_before_ms_ < next)) {
        next = spawn_not_before_ms_;
    }
    if (next == 0) return -1;
    return next > now_ms_ ? static_cast<int64_t>(next - now_ms_) : 0;
}

}  // namespace strata::process::detail
