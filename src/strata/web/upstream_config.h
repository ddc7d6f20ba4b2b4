// nginx's `upstream NAME { server …; method; keepalive …; }` after loading: one plain
// struct per group, every `server` resolved to its addresses (a host name becomes one
// peer per address, as nginx does). Built once at load and shared read-only; the
// balancer (upstream_balancer.h) keeps the state that changes per worker.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/base/result.h"
#include "strata/config/directive.h"
#include "strata/config/status.h"
#include "strata/config/variables.h"
#include "strata/net/listener.h"

namespace strata::web {

enum class BalanceMethod {
    round_robin,  // the default: smooth weighted round robin
    least_conn,
    ip_hash,
    hash,             // hash KEY
    consistent_hash,  // hash KEY consistent (ketama)
};

// One address of one `server` line, with that line's parameters (nginx's defaults).
struct UpstreamPeer {
    std::string server;  // the address as written, "backend:8080"; ketama hashes it
    std::string name;    // this address: "127.0.0.1:8080", "[::1]:8080", "unix:/run/a.sock"
    net::PeerAddress address;
    std::int64_t weight = 1;
    std::int64_t max_fails = 1;  // 0: failures are not counted
    std::chrono::seconds fail_timeout{10};
    std::int64_t max_conns = 0;  // 0: no limit
    bool backup = false;
    bool down = false;
    config::SourceLocation where;
};

// Connections to the group kept open between requests (used by the proxy).
struct UpstreamKeepalive {
    std::int64_t connections = 0;  // `keepalive N`: idle ones cached per worker; 0: none
    std::int64_t requests = 1000;
    std::chrono::milliseconds timeout{60'000};
    std::chrono::milliseconds time{3'600'000};  // keepalive_time
};

struct UpstreamGroup {
    std::string name;  // as written; looked up without regard to case
    config::SourceLocation where;
    // Every address of every `server`, in the order written; backups are flagged.
    std::vector<UpstreamPeer> peers;
    BalanceMethod method = BalanceMethod::round_robin;
    // hash's KEY, compiled; evaluating it per request is the caller's job.
    std::optional<config::CompiledValue> hash_key;
    UpstreamKeepalive keepalive;
};

// Every group of the http block, by lower-case name; frozen after load.
using UpstreamGroups = std::map<std::string, std::shared_ptr<const UpstreamGroup>>;

// The group called `name` (any case), or null.
const UpstreamGroup* find_upstream(const UpstreamGroups& groups, std::string_view name);

// Reads one `upstream NAME { … }` block: parameters, addresses (resolved now), the
// balancing method and keepalive settings. Errors are nginx's, at their file:line.
Result<UpstreamGroup, config::ConfigError> build_upstream_group(const config::Directive& block);

// Builds `block` into `groups`; a second group of the same name (any case) is nginx's
// `duplicate upstream "x"`.
config::Status add_upstream_group(const config::Directive& block, UpstreamGroups& groups);

// What nginx checks once the http block is read: every group has a server that is not a
// backup (`no servers in upstream "x"`, at the upstream's line), in the order written.
config::Status check_upstream_groups(const std::vector<config::Directive>& http_block,
                                     const UpstreamGroups& groups);

}  // namespace strata::web
