// The worker's side of the heartbeat: a loop timer that beats it. Because the loop
// itself beats, a loop stuck in a handler stops beating, which is what the master
// watches for; and each beat carries the start of the oldest app call, so an app
// thread stuck in a request is seen too while the loop turns happily.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

#include "strata/net/event_loop.h"
#include "strata/net/timer.h"
#include "strata/process/heartbeat.h"

namespace strata::process::detail {

class HeartbeatPacer {
  public:
    // Beats at once, then every `interval` while the loop runs. `busy_since` may be empty
    // (never busy).
    HeartbeatPacer(net::EventLoop& loop, WorkerHeartbeat& heartbeat,
                   std::chrono::milliseconds interval, std::function<uint64_t()> busy_since);

  private:
    void beat();

    net::EventLoop& loop_;
    WorkerHeartbeat& heartbeat_;
    uint64_t interval_ms_;
    std::function<uint64_t()> busy_since_;
    net::Timer timer_;
};

}  // namespace strata::process::detail
