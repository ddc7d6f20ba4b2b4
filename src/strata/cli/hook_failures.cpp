#include "strata/cli/hook_failures.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "strata/base/log.h"
#include "strata/process/master.h"

namespace strata::cli {

void abandon_start() {
    std::fflush(nullptr);
    std::_Exit(1);
}

void abandon_worker(python::ServerHooks& hooks) {
    log::info("Worker exiting (pid: {})", ::getpid());
    hooks.worker_exit();
    std::fflush(nullptr);
    std::_Exit(process::kWorkerBootFailed);
}

}  // namespace strata::cli
