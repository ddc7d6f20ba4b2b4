#include "strata/web/upstream_balancer.h"

#include <netinet/in.h>

#include <algorithm>
#include <compare>
#include <utility>

#include "strata/web/detail/upstream_hashes.h"

namespace strata::web {
namespace {

// After this many rehashes a hashing method gives up and uses round robin (nginx).
constexpr int kMaxHashTries = 20;
// ip_hash hashes the first three octets of an IPv4 address: a /24 goes to one peer.
constexpr std::size_t kIpv4HashedOctets = 3;
constexpr std::size_t kIpv6Bytes = 16;

bool failed_recently(const UpstreamPeer& peer, const PeerState& state, BalancerTime now) {
    return peer.max_fails > 0 && state.fails >= peer.max_fails &&
           now - state.checked <= peer.fail_timeout;
}

bool at_max_conns(const UpstreamPeer& peer, const PeerState& state) {
    return peer.max_conns > 0 && state.conns >= peer.max_conns;
}

Err<SelectError> no_live_upstreams() {
    return Err{SelectError::no_live_upstreams};
}

// A failure counts towards max_fails and lowers the peer's effective weight, which the
// round robin then raises again by one per pass: a flaky peer gets less, for a while.
void record_failure(const UpstreamPeer& peer, PeerState& state, BalancerTime now) {
    ++state.fails;
    state.accessed = now;
    state.checked = now;
    if (peer.max_fails > 0) state.effective_weight -= peer.weight / peer.max_fails;
    state.effective_weight = std::max<std::int64_t>(state.effective_weight, 0);
}

}  // namespace

std::span<const std::uint8_t> ip_hash_bytes(const sockaddr_storage& address) {
    if (address.ss_family == AF_INET) {
        const auto& in = reinterpret_cast<const sockaddr_in&>(address);
        return {reinterpret_cast<const std::uint8_t*>(&in.sin_addr), sizeof in.sin_addr};
    }
    if (address.ss_family == AF_INET6) {
        const auto& in6 = reinterpret_cast<const sockaddr_in6&>(address);
        return {reinterpret_cast<const std::uint8_t*>(&in6.sin6_addr), sizeof in6.sin6_addr};
    }
    return {};
}

UpstreamBalancer::UpstreamBalancer(std::shared_ptr<const UpstreamGroup> group)
    : group_(std::move(group)), states_(group_->peers.size()) {
    for (std::size_t i = 0; i < group_->peers.size(); ++i) {
        const UpstreamPeer& peer = group_->peers[i];
        states_[i].effective_weight = peer.weight;
        Tier& tier = peer.backup ? backups_ : primaries_;
        tier.peers.push_back(i);
        tier.total_weight += peer.weight;
    }
    single_ = primaries_.peers.size() == 1 && backups_.peers.empty();
    if (group_->method == BalanceMethod::consistent_hash) build_ring();
}

// Peers written with the same `server` text share their points, as in nginx.
void UpstreamBalancer::build_ring() {
    std::vector<std::string_view> names;
    std::vector<detail::KetamaServer> servers;
    server_ids_.assign(group_->peers.size(), 0);
    for (std::size_t i : primaries_.peers) {
        const UpstreamPeer& peer = group_->peers[i];
        auto known = std::find(names.begin(), names.end(), peer.server);
        if (known == names.end()) known = names.insert(names.end(), peer.server);
        server_ids_[i] = static_cast<std::uint32_t>(known - names.begin());
        servers.push_back({peer.server, server_ids_[i], peer.weight});
    }
    ring_ = detail::KetamaRing(servers);
}

PeerSelection UpstreamBalancer::start(const BalancerKey& key) const {
    PeerSelection selection;
    switch (group_->method) {
        case BalanceMethod::ip_hash:
            // An address of another size (unix socket) stays three zero bytes.
            selection.address_length_ = kIpv4HashedOctets;
            if (key.client_address.size() == kIpv6Bytes) selection.address_length_ = kIpv6Bytes;
            if (key.client_address.size() == 4 || key.client_address.size() == kIpv6Bytes)
                std::copy_n(key.client_address.begin(), selection.address_length_,
                            selection.address_.begin());
            selection.hash_ = detail::kIpHashSeed;
            break;
        case BalanceMethod::hash:
            selection.key_ = std::string(key.hash_key);
            break;
        case BalanceMethod::consistent_hash:
            selection.key_ = std::string(key.hash_key);
            selection.hash_ =
                static_cast<std::uint32_t>(ring_.first_at_or_after(detail::crc32_of(key.hash_key)));
            break;
        case BalanceMethod::round_robin:
        case BalanceMethod::least_conn:
            break;
    }
    return selection;
}

Result<std::size_t, SelectError> UpstreamBalancer::select(PeerSelection& selection,
                                                          BalancerTime now) {
    switch (group_->method) {
        case BalanceMethod::round_robin:
            return round_robin(selection, now);
        case BalanceMethod::least_conn:
            return least_conn(selection, now);
        case BalanceMethod::ip_hash:
            return ip_hash(selection, now);
        case BalanceMethod::hash:
            return key_hash(selection, now);
        case BalanceMethod::consistent_hash:
            return consistent_hash(selection, now);
    }
    return no_live_upstreams();
}

// nginx counts failures only where there is another peer to turn to.
void UpstreamBalancer::release(std::size_t peer, PeerOutcome outcome, BalancerTime now) {
    PeerState& state = states_[peer];
    if (state.conns > 0) --state.conns;
    if (single_) return;
    if (outcome == PeerOutcome::failure) {
        record_failure(group_->peers[peer], state, now);
    } else if (state.accessed < state.checked) {
        // Picked again once fail_timeout had passed since the last failure, and it
        // worked: the peer is live again. A success inside the window clears nothing,
        // so failures add up while they come within fail_timeout of each other.
        state.fails = 0;
    }
}

bool UpstreamBalancer::usable(std::size_t peer, const PeerSelection& selection,
                              BalancerTime now) const {
    const UpstreamPeer& config = group_->peers[peer];
    const PeerState& state = states_[peer];
    return !selection.tried.contains(peer) && !config.down &&
           !failed_recently(config, state, now) && !at_max_conns(config, state);
}

// The first pick after fail_timeout moves `checked`, which lets a success reset fails.
std::size_t UpstreamBalancer::take(std::size_t peer, PeerSelection& selection, BalancerTime now) {
    PeerState& state = states_[peer];
    if (now - state.checked > group_->peers[peer].fail_timeout) state.checked = now;
    ++state.conns;
    selection.tried.insert(peer);
    return peer;
}

// Smooth weighted round robin: every eligible peer gains its effective weight, the
// richest is picked and pays the total back. Weights 2:1 give a, b, a, a, b, a.
template <class Eligible>
std::optional<std::size_t> UpstreamBalancer::smooth_weighted(const Tier& tier, Eligible eligible) {
    std::optional<std::size_t> best;
    std::int64_t total = 0;
    for (std::size_t i : tier.peers) {
        if (!eligible(i)) continue;
        const std::int64_t weight = group_->peers[i].weight;
        PeerState& state = states_[i];
        state.current_weight += state.effective_weight;
        total += state.effective_weight;
        if (state.effective_weight < weight) ++state.effective_weight;
        if (!best || state.current_weight > states_[*best].current_weight) best = i;
    }
    if (best) states_[*best].current_weight -= total;
    return best;
}

// The peer `hash` lands on when each takes a share of [0, total weight) by its weight.
std::size_t UpstreamBalancer::by_weight(const Tier& tier, std::uint32_t hash) const {
    std::int64_t point =
        static_cast<std::int64_t>(hash % static_cast<std::uint64_t>(tier.total_weight));
    for (std::size_t i : tier.peers) {
        const std::int64_t weight = group_->peers[i].weight;
        if (point < weight) return i;
        point -= weight;
    }
    return tier.peers.back();
}

// Hashing is for choosing among several primaries; after 20 rehashes it stops trying.
bool UpstreamBalancer::hashing_gives_up(const PeerSelection& selection) const {
    return selection.hash_tries_ > kMaxHashTries || single_ || primaries_.peers.empty();
}

const UpstreamBalancer::Tier& UpstreamBalancer::tier_of(const PeerSelection& selection) const {
    return selection.on_backups_ ? backups_ : primaries_;
}

// nginx turns to the backups when no primary can be had, and stays with them for the
// rest of the request.
bool UpstreamBalancer::move_to_backups(PeerSelection& selection) const {
    if (selection.on_backups_ || backups_.peers.empty()) return false;
    selection.on_backups_ = true;
    return true;
}

Result<std::size_t, SelectError> UpstreamBalancer::round_robin(PeerSelection& selection,
                                                               BalancerTime now) {
    if (single_) return single(selection, now);
    for (;;) {
        auto usable_here = [&](std::size_t i) { return usable(i, selection, now); };
        if (auto peer = smooth_weighted(tier_of(selection), usable_here))
            return take(*peer, selection, now);
        if (!move_to_backups(selection)) return no_live_upstreams();
    }
}

// The only server: failures do not make it unavailable, down and max_conns do.
Result<std::size_t, SelectError> UpstreamBalancer::single(PeerSelection& selection,
                                                          BalancerTime now) {
    const std::size_t peer = primaries_.peers.front();
    const UpstreamPeer& config = group_->peers[peer];
    if (config.down || at_max_conns(config, states_[peer]) || selection.tried.contains(peer))
        return no_live_upstreams();
    return take(peer, selection, now);
}

Result<std::size_t, SelectError> UpstreamBalancer::least_conn(PeerSelection& selection,
                                                              BalancerTime now) {
    if (single_) return round_robin(selection, now);
    for (;;) {
        if (auto peer = least_conn_in(tier_of(selection), selection, now))
            return take(*peer, selection, now);
        if (!move_to_backups(selection)) return no_live_upstreams();
    }
}

// The fewest connections per unit of weight (a.conns/a.weight < b.conns/b.weight,
// cross-multiplied); peers tied on that share by smooth weighted round robin.
std::optional<std::size_t> UpstreamBalancer::least_conn_in(const Tier& tier,
                                                           const PeerSelection& selection,
                                                           BalancerTime now) {
    auto load_order = [&](std::size_t a, std::size_t b) {
        return states_[a].conns * group_->peers[b].weight <=>
               states_[b].conns * group_->peers[a].weight;
    };
    std::optional<std::size_t> best;
    bool tied = false;
    for (std::size_t i : tier.peers) {
        if (!usable(i, selection, now)) continue;
        if (!best || load_order(i, *best) < 0) {
            best = i;
            tied = false;
        } else if (load_order(i, *best) == 0) {
            tied = true;
        }
    }
    if (!best || !tied) return best;
    const std::size_t first = *best;  // the tied peers are it and some after it
    auto tied_with_first = [&](std::size_t i) {
        return i >= first && usable(i, selection, now) && load_order(i, first) == 0;
    };
    return smooth_weighted(tier, tied_with_first);
}

// The client's address hashed, then rehashed while it lands on a peer that cannot be
// had; each request starts again from nginx's seed.
Result<std::size_t, SelectError> UpstreamBalancer::ip_hash(PeerSelection& selection,
                                                           BalancerTime now) {
    if (hashing_gives_up(selection)) return round_robin(selection, now);
    const std::span<const std::uint8_t> address(selection.address_.data(),
                                                selection.address_length_);
    std::uint32_t hash = selection.hash_;
    for (;;) {
        hash = detail::ip_hash_round(hash, address);
        const std::size_t peer = by_weight(primaries_, hash);
        if (usable(peer, selection, now)) {
            selection.hash_ = hash;
            return take(peer, selection, now);
        }
        if (++selection.hash_tries_ > kMaxHashTries) return round_robin(selection, now);
    }
}

// `hash KEY`: the rounds of Cache::Memcached's hash summed up, round after round while
// the peer it lands on cannot be had.
Result<std::size_t, SelectError> UpstreamBalancer::key_hash(PeerSelection& selection,
                                                            BalancerTime now) {
    if (hashing_gives_up(selection) || selection.key_.empty()) return round_robin(selection, now);
    for (;;) {
        selection.hash_ += detail::key_hash_round(selection.key_, selection.round_++);
        const std::size_t peer = by_weight(primaries_, selection.hash_);
        if (usable(peer, selection, now)) return take(peer, selection, now);
        if (++selection.hash_tries_ > kMaxHashTries) return round_robin(selection, now);
    }
}

// `hash KEY consistent`: the server of the key's point on the ring, else of the next
// points clockwise; a server with several addresses shares by round robin.
Result<std::size_t, SelectError> UpstreamBalancer::consistent_hash(PeerSelection& selection,
                                                                   BalancerTime now) {
    if (hashing_gives_up(selection) || selection.key_.empty()) return round_robin(selection, now);
    for (;;) {
        const std::uint32_t server = ring_.server_at(selection.hash_);
        auto of_server = [&](std::size_t i) {
            return server_ids_[i] == server && usable(i, selection, now);
        };
        if (auto peer = smooth_weighted(primaries_, of_server)) return take(*peer, selection, now);
        ++selection.hash_;
        if (++selection.hash_tries_ > kMaxHashTries) return round_robin(selection, now);
    }
}

}  // namespace strata::web
