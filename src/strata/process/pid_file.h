// The pid file (nginx's `pid`, gunicorn's `--pid`) and `-s`: signalling a running master
// through it.
#pragma once

#include <sys/types.h>

#include <string>

#include "strata/base/result.h"

namespace strata::process {

// Writes "<pid>\n". The error is nginx's: open() "/run/x.pid" failed (13: Permission denied).
Result<bool, std::string> write_pid_file(const std::string& path, pid_t pid);
// Removes the file if it still names `pid`: a newer master may own it by now.
void remove_pid_file(const std::string& path, pid_t pid);
// The pid in the file; errors as nginx words them:
//   open() "/run/x.pid" failed (2: No such file or directory)
//   invalid PID number "" in "/run/x.pid"
Result<pid_t, std::string> read_pid_file(const std::string& path);

// nginx's `-s stop|quit|reopen|reload`: TERM, QUIT, USR1 or HUP to the pid in the file.
// Returns the signalled pid.
Result<pid_t, std::string> send_signal_to_master(const std::string& pid_file,
                                                 const std::string& command);

}  // namespace strata::process
