// The master's state and its one loop: wait for a signal or a deadline, then act.
#pragma once

#include <signal.h>

#include <cstdint>
#include <string>
#include <vector>

#include "strata/process/detail/worker_table.h"
#include "strata/process/listener_set.h"
#include "strata/process/master.h"

namespace strata::process::detail {

class MasterLoop {
  public:
    explicit MasterLoop(MasterOptions options);

    // The map's signals and SIGCHLD: the caller blocks them before anything else.
    const sigset_t& signals() const { return signals_; }
    // Loads the configuration and binds its listeners; the error text is empty on success.
    std::string prepare();
    // Forks the first workers, then serves signals until every worker is gone.
    int run();

  private:
    enum class State { running, graceful_stop, fast_stop };

    void handle_signal(int signo);
    void reload();
    void adopt(Generation generation, std::vector<int> listen_fds);
    void begin_stop(Command command);
    void change_worker_count(Command command);
    void reopen_logs();

    void reap();
    void on_worker_exit(const WorkerEntry& entry, int wait_status);
    void note_crash(const WorkerEntry& entry);

    void set_wanted_workers(unsigned count);

    void maintain();
    bool spawn_one();
    void tell(WorkerEntry& entry, Command command);
    void kill_overdue();
    void check_timeouts();
    int64_t wait_timeout_ms() const;
    uint64_t next_deadline_ms() const;

    MasterOptions options_;
    sigset_t signals_;  // the map's signals and SIGCHLD, all blocked
    ListenerSet listeners_;
    Generation generation_;
    std::vector<int> listen_fds_;
    uint64_t generation_id_ = 0;
    unsigned wanted_workers_ = 0;
    WorkerTable workers_;
    State state_ = State::running;
    int exit_status_ = 0;
    unsigned crash_streak_ = 0;         // workers of this generation that died young in a row
    uint64_t spawn_not_before_ms_ = 0;  // back-off after repeated early deaths
    uint64_t now_ms_ = 0;
};

}  // namespace strata::process::detail
