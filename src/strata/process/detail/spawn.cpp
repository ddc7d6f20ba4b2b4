#include "strata/process/detail/spawn.h"

#include <sys/prctl.h>
#include <unistd.h>

#include <cstdio>
#include <exception>

#include "strata/base/log.h"
#include "strata/process/daemon.h"

namespace strata::process::detail {
namespace {

// A worker whose master is gone (killed with SIGKILL, say) would otherwise serve on
// forever with nobody to stop it; it is told to stop gracefully instead.
void stop_with_master(pid_t master, const SignalMap& signals) {
    int signo = signals.signal_for(Command::graceful_stop);
    if (signo == 0) signo = SIGTERM;
    ::prctl(PR_SET_PDEATHSIG, signo);
    if (::getppid() != master) ::raise(signo);  // it died before prctl() took effect
}

// A watched worker takes the master's SIGABRT through its signalfd, and must have it
// blocked before it starts any thread (an app's threads, say), or a thread that does
// not block it would take the default action for the whole process.
void block_abort() {
    sigset_t abort_only;
    sigemptyset(&abort_only);
    sigaddset(&abort_only, SIGABRT);
    block_signals(abort_only);
}

void enter_worker(const SpawnRequest& request, pid_t master) {
    sigset_t child_only;
    sigemptyset(&child_only);
    sigaddset(&child_only, SIGCHLD);
    unblock_signals(child_only);  // the worker's own children are its business
    if (request.context.heartbeat != nullptr) block_abort();
    stop_with_master(master, *request.context.signals);
    if (request.rlimit_nofile != 0) {
        auto limited = set_open_files_limit(request.rlimit_nofile);
        if (!limited) log::emit(log::Level::alert, "{}", limited.error());
    }
}

int run_worker(SpawnRequest& request, pid_t master) {
    enter_worker(request, master);
    say(request.context.messages->worker_booting, fmt::arg("pid", ::getpid()),
        fmt::arg("slot", request.context.slot));
    if (request.post_fork != nullptr && *request.post_fork) (*request.post_fork)(request.context);
    return (*request.run)(request.context);
}

[[noreturn]] void run_child(SpawnRequest& request, pid_t master) {
    int status = 1;
    try {
        status = run_worker(request, master);
    } catch (const std::exception& e) {
        log::emit(log::Level::alert, "worker process failed: {}", e.what());
    }
    say(request.context.messages->worker_exiting, fmt::arg("pid", ::getpid()),
        fmt::arg("status", status));
    std::fflush(nullptr);
    ::_exit(status);
}

}  // namespace

pid_t spawn_worker(SpawnRequest& request) {
    pid_t master = ::getpid();
    std::fflush(nullptr);  // or the child would write the master's buffered output again
    pid_t pid = ::fork();
    if (pid == 0) run_child(request, master);
    return pid;
}

}  // namespace strata::process::detail
