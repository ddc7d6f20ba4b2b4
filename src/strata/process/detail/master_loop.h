// The master's state and its one loop: wait for a signal or a deadline, then act.
#pragma once

#include <signal.h>

#include <cstdint>
#include <string>
#include <vector>

#include "strata/process/detail/new_binary.h"
#include "strata/process/detail/worker_table.h"
#include "strata/process/listener_set.h"
#include "strata/process/master.h"

namespace strata::process::detail {

class MasterLoop {
  public:
    explicit MasterLoop(MasterOptions options);
    // new_binary_ holds references into options_.
    MasterLoop(const MasterLoop&) = delete;
    MasterLoop& operator=(const MasterLoop&) = delete;

    // The map's signals and SIGCHLD: the caller blocks them before anything else.
    const sigset_t& signals() const { return signals_; }
    // Takes over the sockets of a binary upgrade, if any, loads the configuration and
    // binds its listeners; the error text is empty on success.
    std::string prepare();
    // This master was started by an older one's binary upgrade (USR2).
    bool started_by_upgrade() const { return old_master_ != 0; }
    // Where the pid is written: the pid file; its .oldbin while a new binary runs
    // (nginx); its .2 while this new master's old one runs (gunicorn).
    std::string pid_file_in_use() const;
    // Forks the first workers, then serves signals until every worker is gone.
    int run();

  private:
    enum class State { running, graceful_stop, fast_stop };

    // A new master started by a gunicorn-style upgrade looks this often whether its old
    // master is gone (gunicorn's arbiter loop wakes once a second).
    static constexpr uint64_t kPromotionCheckIntervalMs = 1000;

    void handle_signal(int signo);
    void reload();

    // Binary upgrade (master_loop_upgrade.cpp).
    std::string take_inherited_listeners();
    void start_new_binary();
    bool old_master_running() const;
    bool awaiting_promotion() const;
    void maybe_promote();
    void stop_workers(int signo);
    void restart_workers();
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
    std::chrono::milliseconds worker_timeout() const;
    int64_t wait_timeout_ms() const;
    uint64_t next_deadline_ms() const;

    MasterOptions options_;
    NewBinary new_binary_;   // the upgrade this master started, if any
    pid_t old_master_ = 0;   // the master whose upgrade started this one, if any
    bool promoted_ = false;  // that old master has exited
    sigset_t signals_;       // the map's signals and SIGCHLD, all blocked
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
