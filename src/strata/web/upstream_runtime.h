// The proxy's state in one worker: for each upstream group in use, its balancer (the
// peers' counters: nginx keeps them per worker too without a shared zone) and, with
// `keepalive N`, its cache of idle connections. Made when a group is first used; used
// from the worker's loop thread only.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "strata/net/event_loop.h"
#include "strata/net/idle_connections.h"
#include "strata/web/upstream_balancer.h"
#include "strata/web/upstream_config.h"

namespace strata::web {

// One group's state in this worker.
struct UpstreamGroupState {
    explicit UpstreamGroupState(std::shared_ptr<const UpstreamGroup> group, net::EventLoop& loop);

    std::shared_ptr<const UpstreamGroup> group;
    UpstreamBalancer balancer;
    std::unique_ptr<net::IdleConnections> idle;  // null without `keepalive`
};

class UpstreamRuntime {
  public:
    explicit UpstreamRuntime(net::EventLoop& loop) : loop_(loop) {}
    UpstreamRuntime(const UpstreamRuntime&) = delete;
    UpstreamRuntime& operator=(const UpstreamRuntime&) = delete;

    net::EventLoop& loop() { return loop_; }
    // The state of `group`, made on first use.
    UpstreamGroupState& state_of(const std::shared_ptr<const UpstreamGroup>& group);

  private:
    net::EventLoop& loop_;
    std::unordered_map<const UpstreamGroup*, std::unique_ptr<UpstreamGroupState>> groups_;
};

}  // namespace strata::web
