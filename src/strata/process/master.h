// The master process: binds the listeners, forks the workers, and acts on signals
// (reload, graceful and fast stop, reopen logs, worker counts), replacing workers that
// die. It never touches a client socket. Generic over what a worker does: the nginx
// front end and the WSGI server both hand it a loader and a worker function.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "strata/base/result.h"
#include "strata/process/binary_upgrade.h"
#include "strata/process/listener_set.h"
#include "strata/process/messages.h"
#include "strata/process/signals.h"
#include "strata/process/worker.h"

namespace strata::process {

// A worker returning this tells the master the application cannot start (gunicorn's
// WORKER_BOOT_ERROR): respawning it would only loop, so the master stops and exits
// with this status.
inline constexpr int kWorkerBootFailed = 3;

// What one loaded configuration asks of the master.
struct Generation {
    std::vector<Listen> listen;
    unsigned worker_processes = 1;
    uint64_t worker_rlimit_nofile = 0;  // 0 leaves the limit alone
    // Runs in each forked worker, which exits with the returned status. It captures the
    // front end's own configuration object; the master never looks inside.
    std::function<int(WorkerContext&)> run_worker;
    // Its workers' timeout (see MasterOptions::worker_timeout); none: the master's.
    std::optional<std::chrono::milliseconds> worker_timeout;
};

struct MasterOptions {
    // Loads and validates the configuration, in the master: at start and on every
    // reload. An error at start stops the master; at a reload it is logged and the
    // running workers keep serving.
    std::function<Result<Generation, std::string>()> load;
    SignalMap signals = nginx_signals();
    // What the master and its workers log about themselves.
    MasterMessages messages = nginx_messages();
    // How the map's upgrade_binary signal (USR2) hands over to a new binary.
    UpgradeStyle upgrade = nginx_upgrade();
    std::string pid_file;  // empty: none
    bool daemon = false;
    // Stopping workers still alive this long after a graceful stop are killed
    // (gunicorn's --graceful-timeout); zero waits for them, as nginx does.
    std::chrono::milliseconds graceful_timeout{0};
    // gunicorn's --timeout: a worker whose loop has not beaten its heartbeat for this
    // long, or whose oldest app call has run this long, gets SIGABRT (and SIGKILL a
    // second later if still there), and is replaced. Zero: no heartbeat, as nginx.
    std::chrono::milliseconds worker_timeout{0};

    // Optional hooks, run in the master unless noted, at the moments gunicorn runs its
    // server hooks of the same names.
    // The listeners are bound, the pid file written; the first workers are forked next.
    std::function<void(const std::vector<int>& listen_fds)> when_ready;
    std::function<void()> reopen_logs;                           // before workers are told
    std::function<void(pid_t pid, int wait_status)> child_exit;  // a worker was reaped
    // A reload loaded its configuration; its workers are forked next.
    std::function<void()> on_reload;
    // Just before a worker is forked, and in that worker right after (before run_worker).
    std::function<void(unsigned slot)> pre_fork;
    std::function<void(const WorkerContext& context)> post_fork;
    // Right after each fork() in the master (pairs with pre_fork, e.g. for an embedded
    // interpreter's fork protocol).
    std::function<void()> after_fork_in_parent;
    // The wanted number of workers was set: at start (old_value 0), at every reload, and
    // by TTIN/TTOU.
    std::function<void(unsigned new_value, unsigned old_value)> nworkers_changed;
    // The workers are gone and the pid file removed; the master returns next.
    std::function<void()> on_exit;
    // Binary upgrade (the map's upgrade_binary signal). Around the fork of the new
    // binary, in the master (an embedded interpreter's fork protocol):
    std::function<void()> before_new_binary_fork;
    std::function<void()> after_new_binary_fork_in_parent;
    // In that forked child just before it execs (gunicorn's pre_exec). False: the child
    // exits instead, and the old master serves on.
    std::function<bool()> pre_exec;
};

// Runs the master until it is stopped; returns the process exit status. Start-up errors
// (configuration, bind, pid file, a malformed socket hand-over) are logged at emerg
// level and return 1 before any worker starts. A master started by a binary upgrade (the
// hand-over variable set) serves on the sockets it was handed and does not detach. Call
// it before any thread is started; the signals of `signals` and SIGCHLD stay blocked in
// the calling thread afterwards.
int run_master(MasterOptions options);

}  // namespace strata::process
