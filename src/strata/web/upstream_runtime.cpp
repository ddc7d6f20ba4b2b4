#include "strata/web/upstream_runtime.h"

namespace strata::web {

UpstreamGroupState::UpstreamGroupState(std::shared_ptr<const UpstreamGroup> g, net::EventLoop& loop)
    : group(std::move(g)), balancer(group) {
    const UpstreamKeepalive& keepalive = group->keepalive;
    if (keepalive.connections > 0)
        idle = std::make_unique<net::IdleConnections>(
            loop, static_cast<std::size_t>(keepalive.connections),
            static_cast<uint64_t>(keepalive.timeout.count()));
}

UpstreamGroupState& UpstreamRuntime::state_of(const std::shared_ptr<const UpstreamGroup>& group) {
    auto& slot = groups_[group.get()];
    if (!slot) slot = std::make_unique<UpstreamGroupState>(group, loop_);
    return *slot;
}

}  // namespace strata::web
