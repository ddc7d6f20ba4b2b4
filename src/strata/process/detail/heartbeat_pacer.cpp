#include "strata/process/detail/heartbeat_pacer.h"

#include <algorithm>

namespace strata::process::detail {

HeartbeatPacer::HeartbeatPacer(net::EventLoop& loop, WorkerHeartbeat& heartbeat,
                               std::chrono::milliseconds interval,
                               std::function<uint64_t()> busy_since)
    : loop_(loop),
      heartbeat_(heartbeat),
      interval_ms_(static_cast<uint64_t>(std::max<int64_t>(interval.count(), 1))),
      busy_since_(std::move(busy_since)) {
    timer_.set_callback([this] { beat(); });
    beat();
}

void HeartbeatPacer::beat() {
    heartbeat_.beat(busy_since_ ? busy_since_() : 0);
    loop_.arm(timer_, interval_ms_);
}

}  // namespace strata::process::detail
