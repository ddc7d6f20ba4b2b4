#include "strata/process/detail/master_loop.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/core.h>

#include "strata/base/log.h"
#include "strata/process/detail/shared_heartbeat.h"
#include "strata/process/detail/spawn.h"
#include "strata/process/detail/timeout_watch.h"
#include "strata/process/detail/worker_exit.h"

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

}  // namespace

MasterLoop::MasterLoop(MasterOptions options)
    : options_(std::move(options)), new_binary_(options_) {
    signals_ = options_.signals.signals();
    sigaddset(&signals_, SIGCHLD);
}

std::string MasterLoop::prepare() {
    std::string error = take_inherited_listeners();
    if (!error.empty()) return error;
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
    set_wanted_workers(std::max(generation_.worker_processes, 1U));
    crash_streak_ = 0;
    spawn_not_before_ms_ = 0;
}

void MasterLoop::set_wanted_workers(unsigned count) {
    unsigned old_value = wanted_workers_;
    wanted_workers_ = count;
    if (options_.nworkers_changed) options_.nworkers_changed(count, old_value);
}

// gunicorn's order: when_ready, then the first workers.
int MasterLoop::run() {
    now_ms_ = monotonic_ms();
    if (options_.when_ready) options_.when_ready(listen_fds_);
    now_ms_ = monotonic_ms();
    maintain();
    while (state_ == State::running || !workers_.empty()) {
        int signo = wait_for_signal(signals_, std::chrono::milliseconds(wait_timeout_ms()));
        now_ms_ = monotonic_ms();
        maybe_promote();
        if (signo != 0 && signo != SIGCHLD) handle_signal(signo);
        reap();
        check_timeouts();
        kill_overdue();
        maintain();
    }
    // While the other master of an upgrade runs it serves on these very sockets: their
    // files must stay.
    listeners_.close_all(!new_binary_.running() && !old_master_running());
    return exit_status_;
}

void MasterLoop::handle_signal(int signo) {
    Command command = options_.signals.command_for(signo);
    say_signal(options_.messages.signal_received, signo, command_name(command));
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
        case Command::upgrade_binary:
            start_new_binary();
            break;
        case Command::stop_workers:
            stop_workers(signo);
            break;
        case Command::none:
            break;
    }
}

// New workers are forked before the old ones are told to stop, and both share the kept
// listening sockets, so some process is always accepting.
void MasterLoop::reload() {
    // While a new binary runs, HUP brings this master's workers back with the
    // configuration they had (the upgrade's rollback), as nginx does.
    if (new_binary_.running() && options_.upgrade.rollback_on_new_binary_exit)
        return restart_workers();
    say(options_.messages.reloading);
    auto loaded = options_.load();
    auto fds = loaded ? listeners_.update(loaded->listen)
                      : Result<std::vector<int>, std::string>(Err(loaded.error()));
    if (!fds) {
        say(options_.messages.load_failed, fmt::arg("error", fds.error()));
        say(options_.messages.reload_rejected);
        return;
    }
    adopt(std::move(loaded).value(), std::move(fds).value());
    if (options_.on_reload) options_.on_reload();
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
    if (command == Command::remove_worker && wanted_workers_ <= 1) return;
    set_wanted_workers(command == Command::add_worker ? wanted_workers_ + 1 : wanted_workers_ - 1);
    say(options_.messages.workers_changed, fmt::arg("count", wanted_workers_));
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
        if (entry) {
            on_worker_exit(*entry, wait_status);
        } else if (new_binary_.is(pid)) {
            new_binary_.on_exit(wait_status);
            // The old binary is on its own again: stopped workers come back (nginx).
            if (options_.upgrade.rollback_on_new_binary_exit && wanted_workers_ == 0)
                restart_workers();
        }
    }
}

// A worker that exits 0 unasked retired itself (gunicorn's --max-requests): not a
// crash, so it is replaced at once.
void MasterLoop::on_worker_exit(const WorkerEntry& entry, int wait_status) {
    log_worker_exit(options_.messages, entry.pid, wait_status);
    if (options_.child_exit) options_.child_exit(entry.pid, wait_status);
    if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == kWorkerBootFailed) {
        say(options_.messages.boot_failed, fmt::arg("pid", entry.pid));
        exit_status_ = kWorkerBootFailed;
        begin_stop(Command::graceful_stop);
        return;
    }
    bool unexpected = entry.stop == Command::none && entry.generation == generation_id_;
    if (unexpected && !exited_cleanly(wait_status)) note_crash(entry);
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
    say(options_.messages.respawn_delayed, fmt::arg("delay", delay));
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
    std::shared_ptr<WorkerHeartbeat> heartbeat;
    std::chrono::milliseconds timeout = worker_timeout();
    if (timeout.count() > 0) {
        auto mapped = map_shared_heartbeat(monotonic_ms());
        if (!mapped) {
            log::emit(log::Level::alert, "{}", mapped.error());
            return false;
        }
        heartbeat = std::move(mapped).value();
    }
    SpawnRequest request;
    request.context.listen_fds = listen_fds_;
    request.context.slot = workers_.free_slot(generation_id_);
    request.context.generation = generation_id_;
    request.context.signals = &options_.signals;
    request.context.heartbeat = heartbeat.get();
    request.context.worker_timeout = timeout;
    request.context.messages = &options_.messages;
    request.rlimit_nofile = generation_.worker_rlimit_nofile;
    request.run = &generation_.run_worker;
    request.post_fork = &options_.post_fork;
    if (options_.pre_fork) options_.pre_fork(request.context.slot);
    pid_t pid = spawn_worker(request);
    if (options_.after_fork_in_parent) options_.after_fork_in_parent();
    if (pid < 0) {
        log::emit(log::Level::alert, "fork() failed while spawning \"worker process\" ({}: {})",
                  errno, strerrordesc_np(errno));
        return false;
    }
    say(options_.messages.worker_started, fmt::arg("pid", pid),
        fmt::arg("slot", request.context.slot));
    workers_.add({pid, generation_id_, request.context.slot, now_ms_, Command::none, 0,
                  std::move(heartbeat), false, static_cast<uint64_t>(timeout.count())});
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
    uint64_t kill_at = timeout == 0 ? 0 : now_ms_ + timeout;
    // An aborted worker keeps its earlier deadline.
    if (entry.kill_at_ms == 0 || (kill_at != 0 && kill_at < entry.kill_at_ms)) {
        entry.kill_at_ms = kill_at;
    }
}

void MasterLoop::kill_overdue() {
    for (WorkerEntry& entry : workers_.entries()) {
        if (entry.kill_at_ms == 0 || now_ms_ < entry.kill_at_ms) continue;
        say(options_.messages.worker_killed, fmt::arg("pid", entry.pid));
        ::kill(entry.pid, SIGKILL);
        entry.kill_at_ms = 0;
    }
}

void MasterLoop::check_timeouts() {
    abort_hung_workers(workers_, now_ms_, options_.messages);
}

// The current generation's, else the master's (a reload may change it).
std::chrono::milliseconds MasterLoop::worker_timeout() const {
    return generation_.worker_timeout.value_or(options_.worker_timeout);
}

// Until the next deadline; -1 when there is none.
int64_t MasterLoop::wait_timeout_ms() const {
    uint64_t next = next_deadline_ms();
    if (next == 0) return -1;
    return next > now_ms_ ? static_cast<int64_t>(next - now_ms_) : 0;
}

// The earliest of: a kill deadline, the end of a respawn back-off, the next heartbeat
// check. 0 when none is due.
uint64_t MasterLoop::next_deadline_ms() const {
    uint64_t next = workers_.next_kill_at();
    auto consider = [&next](uint64_t at) {
        if (next == 0 || at < next) next = at;
    };
    bool waiting_to_spawn = state_ == State::running && spawn_not_before_ms_ > now_ms_ &&
                            workers_.active(generation_id_) < wanted_workers_;
    if (waiting_to_spawn) consider(spawn_not_before_ms_);
    if (awaiting_promotion()) consider(now_ms_ + kPromotionCheckIntervalMs);
    if (uint64_t timeout = shortest_timeout_ms(workers_); timeout > 0)
        consider(now_ms_ + timeout_check_interval_ms(timeout));
    return next;
}

}  // namespace strata::process::detail
