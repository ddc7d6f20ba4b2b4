// fork() of one worker and the child's side of it up to the front end's code.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>

#include "strata/process/worker.h"

namespace strata::process::detail {

struct SpawnRequest {
    WorkerContext context;  // its signals and messages must be set
    uint64_t rlimit_nofile = 0;
    std::function<int(WorkerContext&)>* run = nullptr;
    const std::function<void(const WorkerContext&)>* post_fork = nullptr;  // may be empty
};

// Returns the child's pid, or -1 with errno set. The child never returns: it runs the
// worker and _exit()s, so nothing of the master (its destructors, atexit handlers, or a
// test framework around it) runs twice.
pid_t spawn_worker(SpawnRequest& request);

}  // namespace strata::process::detail
