#include "strata/process/master.h"

#include <unistd.h>

#include "strata/base/log.h"
#include "strata/process/daemon.h"
#include "strata/process/detail/master_loop.h"
#include "strata/process/pid_file.h"

namespace strata::process {

int run_master(MasterOptions options) {
    std::string pid_file = options.pid_file;
    bool daemon = options.daemon;
    detail::MasterLoop master(std::move(options));
    // First thing: a reload signal arriving while the configuration loads then waits its
    // turn instead of killing the master with its default action. Workers inherit the
    // mask, and ignoring SIGPIPE.
    block_signals(master.signals());
    ::signal(SIGPIPE, SIG_IGN);

    std::string error = master.prepare();
    if (error.empty() && daemon) {
        auto detached = daemonize();
        if (!detached) error = detached.error();
    }
    pid_t pid = ::getpid();
    if (error.empty() && !pid_file.empty()) {
        auto written = write_pid_file(pid_file, pid);
        if (!written) error = written.error();
    }
    if (!error.empty()) {
        log::emit(log::Level::emerg, "{}", error);
        return 1;
    }
    int status = master.run();
    if (!pid_file.empty()) remove_pid_file(pid_file, pid);
    log::notice("exit");
    return status;
}

}  // namespace strata::process
