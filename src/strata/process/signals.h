// What each signal means to the master and its workers. nginx and gunicorn give the same
// signals different meanings (TERM is a fast stop for one, a graceful one for the other),
// so the meaning is data the front end chooses, not code.
#pragma once

#include <signal.h>

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata::process {

enum class Command : unsigned char {
    none,
    reload,         // load the configuration again, replace the workers
    graceful_stop,  // stop accepting, finish in-flight requests, exit
    fast_stop,      // exit now
    reopen_logs,
    add_worker,      // gunicorn's TTIN
    remove_worker,   // gunicorn's TTOU
    upgrade_binary,  // USR2: start the binary again on the same sockets (nginx, gunicorn)
    stop_workers,    // WINCH: workers finish and exit, the master stays (nginx, gunicorn)
};

std::string_view command_name(Command command);
// "SIGHUP", as nginx writes signals in its log.
std::string signal_name(int signo);
// "term", as gunicorn writes them.
std::string short_signal_name(int signo);

class SignalMap {
  public:
    SignalMap(std::vector<std::pair<int, Command>> entries) : entries_(std::move(entries)) {}

    Command command_for(int signo) const;
    // The signal the master sends a worker to give it `command`: the first one mapped to
    // it. 0 when none is.
    int signal_for(Command command) const;
    // Every mapped signal.
    sigset_t signals() const;

  private:
    std::vector<std::pair<int, Command>> entries_;
};

// HUP reload, QUIT graceful, TERM/INT fast, USR1 reopen, USR2 upgrade, WINCH stop workers.
SignalMap nginx_signals();
// HUP reload, TERM graceful, INT/QUIT fast, USR1 reopen, TTIN/TTOU add/remove a worker,
// USR2 re-exec, WINCH stop workers.
SignalMap gunicorn_signals();

// Blocks `set` in the calling thread (and so in every thread and child it starts later):
// the master then takes its signals synchronously and workers read them from a signalfd,
// so no code ever runs inside a signal handler.
void block_signals(const sigset_t& set);
void unblock_signals(const sigset_t& set);

// Waits up to `timeout` (negative: forever) for a signal of `set`, which must be blocked.
// Returns the signal number, or 0 on timeout.
int wait_for_signal(const sigset_t& set, std::chrono::milliseconds timeout);

}  // namespace strata::process
