// Picks the peer of an upstream group for one try of a request: a pure selector over
// the group's peers and their counters, with no sockets and no clock (the caller passes
// `now`), in the shape of nginx's peer get/free and h2o's balancer.h. One balancer per
// group per worker, used from the worker's event-loop thread only.
//
//   PeerSelection selection = balancer.start({client_bytes, key});  // once per request
//   auto peer = balancer.select(selection, now);                   // each try
//   …connect, exchange…
//   balancer.release(*peer, PeerOutcome::failure, now);            // then maybe select again
//
// nginx 1.22's rules, kept exactly: smooth weighted round robin; a peer that failed
// max_fails times within fail_timeout rests for fail_timeout; down peers never and
// peers at max_conns not now; backups only when no primary peer can be had; a group of
// one server (and no backup) never counts failures. When every peer is out, select()
// says so (the caller answers 502) and nothing is reset: nginx 1.22 keeps the counts
// (it stopped "marking all peers live" with the smooth round robin of 1.3).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <sys/socket.h>

#include "strata/base/result.h"
#include "strata/web/detail/ketama_ring.h"
#include "strata/web/tried_peers.h"
#include "strata/web/upstream_config.h"

namespace strata::web {

// A reading of a monotonic clock (the event loop's now_ms()).
using BalancerTime = std::chrono::milliseconds;

enum class PeerOutcome { success, failure };

enum class SelectError {
    no_live_upstreams,  // every peer is down, failed, busy or already tried
};

// What ip_hash and hash choose by, worked out by the caller for the request.
struct BalancerKey {
    // ip_hash: 4 bytes for IPv4 (its first three count), 16 for IPv6; anything else
    // (a unix-socket client) hashes as nginx's all-zero pseudo address.
    std::span<const std::uint8_t> client_address;
    std::string_view hash_key;  // hash: the key's value for this request
};

// The bytes of a client's address that ip_hash reads (a view into `address`).
std::span<const std::uint8_t> ip_hash_bytes(const sockaddr_storage& address);

// A request's side of the selection, kept by the caller across its tries.
class PeerSelection {
  public:
    TriedPeers tried;

  private:
    friend class UpstreamBalancer;
    std::array<std::uint8_t, 16> address_{};
    std::size_t address_length_ = 0;
    std::string key_;
    std::uint32_t hash_ = 0;   // ip_hash's running value, hash's sum, or a ring index
    std::uint32_t round_ = 0;  // hash: the next rehash round
    int hash_tries_ = 0;       // past 20 the hashing methods fall back to round robin
    bool on_backups_ = false;  // once the primaries failed this request, as in nginx
};

// A peer's counters; nginx's names.
struct PeerState {
    std::int64_t current_weight = 0;
    std::int64_t effective_weight = 0;  // weight, lowered by failures, back by one per pick
    std::int64_t conns = 0;             // selected and not yet released
    std::int64_t fails = 0;
    BalancerTime accessed{0};  // the last failure
    BalancerTime checked{0};   // the last failure, or the first pick after fail_timeout
};

class UpstreamBalancer {
  public:
    explicit UpstreamBalancer(std::shared_ptr<const UpstreamGroup> group);

    // nginx's peer init: the state of a new request.
    PeerSelection start(const BalancerKey& key = {}) const;
    // nginx's peer get: a peer index into group().peers; counts it as connected and tried.
    Result<std::size_t, SelectError> select(PeerSelection& selection, BalancerTime now);
    // nginx's peer free: the try on `peer` is over.
    void release(std::size_t peer, PeerOutcome outcome, BalancerTime now);

    const UpstreamGroup& group() const { return *group_; }
    const PeerState& state(std::size_t peer) const { return states_[peer]; }
    // How many tries a request may make at most: every peer once.
    std::size_t max_tries() const { return group_->peers.size(); }

  private:
    struct Tier {
        std::vector<std::size_t> peers;  // indexes into group().peers, in order
        std::int64_t total_weight = 0;
    };

    void build_ring();
    bool usable(std::size_t peer, const PeerSelection& selection, BalancerTime now) const;
    std::size_t take(std::size_t peer, PeerSelection& selection, BalancerTime now);
    template <class Eligible>
    std::optional<std::size_t> smooth_weighted(const Tier& tier, Eligible eligible);
    std::size_t by_weight(const Tier& tier, std::uint32_t hash) const;
    bool hashing_gives_up(const PeerSelection& selection) const;
    const Tier& tier_of(const PeerSelection& selection) const;
    bool move_to_backups(PeerSelection& selection) const;

    Result<std::size_t, SelectError> round_robin(PeerSelection& selection, BalancerTime now);
    Result<std::size_t, SelectError> single(PeerSelection& selection, BalancerTime now);
    Result<std::size_t, SelectError> least_conn(PeerSelection& selection, BalancerTime now);
    std::optional<std::size_t> least_conn_in(const Tier& tier, const PeerSelection& selection,
                                             BalancerTime now);
    Result<std::size_t, SelectError> ip_hash(PeerSelection& selection, BalancerTime now);
    Result<std::size_t, SelectError> key_hash(PeerSelection& selection, BalancerTime now);
    Result<std::size_t, SelectError> consistent_hash(PeerSelection& selection, BalancerTime now);

    std::shared_ptr<const UpstreamGroup> group_;
    std::vector<PeerState> states_;
    Tier primaries_, backups_;
    bool single_ = false;  // one primary, no backup: nginx never marks it failed
    detail::KetamaRing ring_;
    std::vector<std::uint32_t> server_ids_;  // per peer: its `server` text, as the ring names it
};

}  // namespace strata::web
