#include "strata/process/detail/worker_table.h"

#include <algorithm>

namespace strata::process::detail {
namespace {

bool is_active(const WorkerEntry& entry, uint64_t generation) {
    return entry.generation == generation && entry.stop == Command::none;
}

}  // namespace

std::optional<WorkerEntry> WorkerTable::remove(pid_t pid) {
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [pid](const WorkerEntry& entry) { return entry.pid == pid; });
    if (it == entries_.end()) return std::nullopt;
    WorkerEntry entry = *it;
    entries_.erase(it);
    return entry;
}

unsigned WorkerTable::active(uint64_t generation) const {
    return static_cast<unsigned>(std::count_if(
        entries_.begin(), entries_.end(),
        [generation](const WorkerEntry& entry) { return is_active(entry, generation); }));
}

unsigned WorkerTable::free_slot(uint64_t generation) const {
    for (unsigned slot = 0;; ++slot) {
        bool taken = std::any_of(entries_.begin(), entries_.end(), [&](const WorkerEntry& entry) {
            return is_active(entry, generation) && entry.slot == slot;
        });
        if (!taken) return slot;
    }
}

WorkerEntry* WorkerTable::last_active(uint64_t generation) {
    WorkerEntry* found = nullptr;
    for (WorkerEntry& entry : entries_) {
        if (is_active(entry, generation) && (found == nullptr || entry.slot > found->slot)) {
            found = &entry;
        }
    }
    return found;
}

uint64_t WorkerTable::next_kill_at() const {
    uint64_t earliest = 0;
    for (const WorkerEntry& entry : entries_) {
        if (entry.kill_at_ms != 0 && (earliest == 0 || entry.kill_at_ms < earliest)) {
            earliest = entry.kill_at_ms;
        }
    }
    return earliest;
}

}  // namespace strata::process::detail
