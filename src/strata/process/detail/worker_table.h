// The master's record of its workers: which generation each serves, which slot it
// holds and whether it has been told to stop. Plain data, so worker counts that change
// at run time (gunicorn's TTIN/TTOU) are a matter of the numbers asked for.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "strata/process/heartbeat.h"
#include "strata/process/signals.h"

namespace strata::process::detail {

struct WorkerEntry {
    pid_t pid = 0;
    uint64_t generation = 0;
    unsigned slot = 0;
    uint64_t started_ms = 0;
    Command stop = Command::none;  // what it was told: none, graceful_stop or fast_stop
    uint64_t kill_at_ms = 0;       // SIGKILL if still alive then; 0 means no deadline
    std::shared_ptr<WorkerHeartbeat> heartbeat = nullptr;  // when the master watches for timeouts
    bool aborted = false;                                  // sent SIGABRT for a missed heartbeat
    uint64_t timeout_ms = 0;  // its generation's timeout (with a heartbeat); 0: not watched
};

class WorkerTable {
  public:
    void add(const WorkerEntry& entry) { entries_.push_back(entry); }
    std::optional<WorkerEntry> remove(pid_t pid);

    // Workers of `generation` not told to stop.
    unsigned active(uint64_t generation) const;
    // The lowest slot no active worker of `generation` holds.
    unsigned free_slot(uint64_t generation) const;
    // The active worker of `generation` with the highest slot (the one TTOU retires).
    WorkerEntry* last_active(uint64_t generation);
    // The earliest kill deadline, or 0 when there is none.
    uint64_t next_kill_at() const;

    std::vector<WorkerEntry>& entries() { return entries_; }
    const std::vector<WorkerEntry>& entries() const { return entries_; }
    bool empty() const { return entries_.empty(); }
    size_t size() const { return entries_.size(); }

  private:
    std::vector<WorkerEntry> entries_;
};

}  // namespace strata::process::detail
