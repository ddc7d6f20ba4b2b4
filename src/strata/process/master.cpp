#include "strata/process/master.h"

#include <unistd.h>

#include "strata/base/log.h"
#include "strata/process/daemon.h"
#include "strata/process/detail/master_loop.h"
#include "strata/process/pid_file.h"

namespace strata::process {
namespace {

// What is left to do once the loop has returned, kept aside before the options move
// into the loop.
struct Farewell {
    MasterMessages messages;
    std::function<void()> on_exit;

    // `pid_file` is where the pid is now: the .oldbin after an upgrade.
    void say_goodbye(const std::string& pid_file, pid_t pid, int status) const {
        if (!pid_file.empty()) remove_pid_file(pid_file, pid);
        say(messages.shutting_down);
        if (status == kWorkerBootFailed) say(messages.boot_failed_reason);
        if (on_exit) on_exit();
    }
};

}  // namespace

int run_master(MasterOptions options) {
    Farewell farewell{options.messages, options.on_exit};
    bool daemon = options.daemon;
    detail::MasterLoop master(std::move(options));
    // First thing: a reload signal arriving while the configuration loads then waits its
    // turn instead of killing the master with its default action. Workers inherit the
    // mask, and ignoring SIGPIPE.
    block_signals(master.signals());
    ::signal(SIGPIPE, SIG_IGN);

    std::string error = master.prepare();
    // A new binary is already a child of the detached old master; forking away again
    // would look to the old master as if the new binary had exited.
    if (error.empty() && daemon && !master.started_by_upgrade()) {
        auto detached = daemonize();
        if (!detached) error = detached.error();
    }
    pid_t pid = ::getpid();
    std::string pid_file = master.pid_file_in_use();
    if (error.empty() && !pid_file.empty()) {
        auto written = write_pid_file(pid_file, pid);
        if (!written) error = written.error();
    }
    if (!error.empty()) {
        log::emit(log::Level::emerg, "{}", error);
        return 1;
    }
    int status = master.run();
    farewell.say_goodbye(master.pid_file_in_use(), pid, status);
    return status;
}

}  // namespace strata::process
