// The old master's side of a binary upgrade: it moves its pid file aside (nginx), forks,
// and the child execs the same command line again with the listening sockets left open
// (binary_upgrade.h). If that new master exits while this one still runs, the pid
// file comes back, so `-s` and init scripts find the master that is still serving.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "strata/process/master.h"

namespace strata::process::detail {

class NewBinary {
  public:
    // Notes this process's command line and working directory: the new binary is
    // started with the same ones. Uses the pid file, upgrade style, messages and
    // new-binary hooks of `options`, which must outlive it.
    explicit NewBinary(const MasterOptions& options);

    // Starts the new binary with `listen_fds`. False when nothing was started, after
    // logging why; the pid file is then where it was. An exec that fails shows later,
    // as an exit.
    bool start(const std::vector<int>& listen_fds);
    bool running() const { return pid_ > 0; }
    bool is(pid_t pid) const { return pid_ > 0 && pid == pid_; }
    // The new binary was reaped: logs how it ended and puts the pid file back (nginx).
    void on_exit(int wait_status);
    // Where this master's pid is now: the pid file, or its .oldbin while a new binary runs.
    std::string pid_file_in_use() const;

  private:
    bool move_pid_file(const std::string& from, const std::string& to, std::string_view when);

    bool moves_pid_file() const;

    const MasterOptions& options_;
    const std::string& pid_file_;
    std::vector<std::string> argv_;
    std::string cwd_;
    pid_t pid_ = 0;
};

}  // namespace strata::process::detail
