#include "strata/process/detail/timeout_watch.h"

#include <signal.h>

#include <algorithm>

namespace strata::process::detail {
namespace {

constexpr uint64_t kMaxCheckIntervalMs = 1000;
constexpr uint64_t kMinCheckIntervalMs = 10;

bool watched(const WorkerEntry& entry) {
    return entry.heartbeat != nullptr && entry.timeout_ms > 0 && !entry.aborted &&
           entry.stop != Command::fast_stop;
}

void abort_worker(WorkerEntry& entry, uint64_t now_ms, const MasterMessages& messages) {
    say(messages.worker_timeout, fmt::arg("pid", entry.pid));
    ::kill(entry.pid, SIGABRT);
    entry.aborted = true;
    uint64_t kill_at = now_ms + kAbortKillMs;
    entry.kill_at_ms = entry.kill_at_ms == 0 ? kill_at : std::min(entry.kill_at_ms, kill_at);
}

}  // namespace

uint64_t timeout_check_interval_ms(uint64_t timeout_ms) {
    return std::clamp(timeout_ms / 2, kMinCheckIntervalMs, kMaxCheckIntervalMs);
}

void abort_hung_workers(WorkerTable& workers, uint64_t now_ms, const MasterMessages& messages) {
    for (WorkerEntry& entry : workers.entries()) {
        if (watched(entry) && entry.heartbeat->expired(now_ms, entry.timeout_ms))
            abort_worker(entry, now_ms, messages);
    }
}

uint64_t shortest_timeout_ms(const WorkerTable& workers) {
    uint64_t shortest = 0;
    for (const WorkerEntry& entry : workers.entries()) {
        if (watched(entry) && (shortest == 0 || entry.timeout_ms < shortest))
            shortest = entry.timeout_ms;
    }
    return shortest;
}

}  // namespace strata::process::detail
