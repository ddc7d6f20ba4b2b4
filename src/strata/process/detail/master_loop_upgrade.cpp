// The master loop's side of a binary upgrade: taking over a hand-over at start, USR2,
// WINCH, and (gunicorn) the new master's promotion once its old master is gone.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include <fmt/core.h>

#include "strata/base/log.h"
#include "strata/process/binary_upgrade.h"
#include "strata/process/detail/master_loop.h"
#include "strata/process/pid_file.h"

namespace strata::process::detail {

// A new binary's sockets. A malformed hand-over stops this master before it binds or
// forks anything; the old master, seeing it exit, keeps serving.
std::string MasterLoop::take_inherited_listeners() {
    const HandOverFormat& format = options_.upgrade.hand_over;
    auto fds = take_listen_fds_from_environment(format);
    if (!fds) return fds.error();
    if (!fds.value()) return {};
    old_master_ = ::getppid();
    say(options_.messages.inherited_sockets,
        fmt::arg("value", encode_listen_fds(*fds.value(), format)));
    auto inherited = InheritedListeners::adopt(*fds.value());
    if (!inherited) return inherited.error();
    listeners_.offer_inherited(std::move(inherited).value());
    return {};
}

// nginx refuses an upgrade while one is under way, in either master: the old one while
// its new binary runs, the new one while its old master does.
void MasterLoop::start_new_binary() {
    if (state_ != State::running) return;
    if (new_binary_.running()) {
        say(options_.messages.upgrade_refused_new_binary_runs);
        return;
    }
    if (old_master_running()) {
        say(options_.messages.upgrade_refused_old_master_runs);
        return;
    }
    new_binary_.start(listen_fds_);
}

// Once the old master has exited this one is re-parented, and may upgrade in turn.
bool MasterLoop::old_master_running() const {
    return old_master_ != 0 && !promoted_ && ::getppid() == old_master_;
}

bool MasterLoop::awaiting_promotion() const {
    return options_.upgrade.new_master_waits_for_pid_file && old_master_ != 0 && !promoted_;
}

std::string MasterLoop::pid_file_in_use() const {
    if (awaiting_promotion() && !options_.pid_file.empty())
        return second_master_pid_path(options_.pid_file);
    return new_binary_.pid_file_in_use();
}

// gunicorn's new master notices its old one is gone (it checks every second) and
// takes the pid file's name.
void MasterLoop::maybe_promote() {
    if (old_master_ == 0 || promoted_ || old_master_running()) return;
    std::string from = pid_file_in_use();
    promoted_ = true;
    std::string to = pid_file_in_use();
    if (from != to) {
        pid_t pid = ::getpid();
        auto written = write_pid_file(to, pid);
        if (!written) log::emit(log::Level::alert, "{}", written.error());
        remove_pid_file(from, pid);
    }
    if (!options_.upgrade.old_master_pid_variable.empty())
        ::unsetenv(std::string(options_.upgrade.old_master_pid_variable).c_str());
    say(options_.messages.promoted, fmt::arg("path", to));
}

// nginx acts on WINCH only in a detached master (a new binary counts as one), gunicorn
// only with --daemon: a foreground master also gets it each time its terminal window
// is resized. The workers finish; none start until HUP (gunicorn: num_workers = 0).
void MasterLoop::stop_workers(int signo) {
    if (state_ != State::running) return;
    bool detached =
        options_.daemon || (started_by_upgrade() && options_.upgrade.new_binary_takes_winch);
    if (!detached) {
        say(options_.messages.stop_workers_ignored, fmt::arg("signal", signal_name(signo)));
        return;
    }
    say(options_.messages.stopping_workers);
    set_wanted_workers(0);
    maintain();
}

void MasterLoop::restart_workers() {
    set_wanted_workers(std::max(generation_.worker_processes, 1U));
    maintain();
}

}  // namespace strata::process::detail
