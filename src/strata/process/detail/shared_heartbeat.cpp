#include "strata/process/detail/shared_heartbeat.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <new>

#include <fmt/core.h>

namespace strata::process::detail {

Result<std::shared_ptr<WorkerHeartbeat>, std::string> map_shared_heartbeat(uint64_t now_ms) {
    void* memory = ::mmap(nullptr, sizeof(WorkerHeartbeat), PROT_READ | PROT_WRITE,
                          MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) {
        return Err(fmt::format("mmap() of a worker heartbeat failed ({}: {})", errno,
                               strerrordesc_np(errno)));
    }
    auto* heartbeat = new (memory) WorkerHeartbeat;
    heartbeat->tick_ms.store(now_ms);
    // The atomics are trivially destructible: unmapping is all the clean-up there is.
    return std::shared_ptr<WorkerHeartbeat>(
        heartbeat, [](WorkerHeartbeat* block) { ::munmap(block, sizeof(WorkerHeartbeat)); });
}

}  // namespace strata::process::detail
