// Detaching from the terminal (nginx's `daemon on`, gunicorn's `--daemon`) and the
// per-process descriptor limit (nginx's `worker_rlimit_nofile`).
#pragma once

#include <cstdint>
#include <string>

#include "strata/base/result.h"

namespace strata::process {

// fork(); the parent exits 0 at once, the child starts a new session and points stdin,
// stdout and stderr at /dev/null. Call it after the configuration is validated and the
// listeners are bound, so those errors still reach the terminal, and before any thread.
Result<bool, std::string> daemonize();

// setrlimit(RLIMIT_NOFILE) to `limit` (soft and hard).
Result<bool, std::string> set_open_files_limit(uint64_t limit);

}  // namespace strata::process
