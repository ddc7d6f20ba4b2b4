#include "strata/process/detail/worker_exit.h"

#include <sys/wait.h>

#include <fmt/core.h>

namespace strata::process::detail {

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

void log_worker_exit(const MasterMessages& messages, pid_t pid, int wait_status) {
    std::string how = describe_exit(wait_status);
    if (WIFSIGNALED(wait_status)) {
        say(messages.worker_signalled, fmt::arg("pid", pid), fmt::arg("how", how),
            fmt::arg("signo", WTERMSIG(wait_status)));
        return;
    }
    const LogLine& line =
        exited_cleanly(wait_status) ? messages.worker_exited : messages.worker_failed;
    say(line, fmt::arg("pid", pid), fmt::arg("how", how),
        fmt::arg("code", WEXITSTATUS(wait_status)));
}

}  // namespace strata::process::detail
