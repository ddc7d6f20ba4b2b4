// What the master makes of a reaped worker's wait status.
#pragma once

#include <sys/types.h>

#include <string>

#include "strata/process/messages.h"

namespace strata::process::detail {

// nginx's words: "exited with code 0", "exited on signal 9 (core dumped)".
std::string describe_exit(int wait_status);
// Exit code 0: the worker left because it was told to, or retired itself.
bool exited_cleanly(int wait_status);
// The one of worker_exited / worker_failed / worker_signalled that fits.
void log_worker_exit(const MasterMessages& messages, pid_t pid, int wait_status);

}  // namespace strata::process::detail
