#include "strata/web/upstream_config.h"

#include <algorithm>
#include <utility>

#include "strata/base/log.h"
#include "strata/config/values.h"
#include "strata/web/upstream_address.h"

namespace strata::web {
namespace {

using config::Directive;
using config::fail;
using config::Status;
using config::success;

std::string lower_case(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
    return out;
}

// The hash methods keep no backup servers (nginx's flags for ip_hash and hash).
bool allows_backup(BalanceMethod method) {
    return method == BalanceMethod::round_robin || method == BalanceMethod::least_conn;
}

// The value of `param` when it is `prefix` followed by a value; nullopt otherwise.
std::optional<std::string_view> value_of(std::string_view param, std::string_view prefix) {
    if (!param.starts_with(prefix)) return std::nullopt;
    return param.substr(prefix.size());
}

// weight=, max_fails=, fail_timeout=, max_conns=: false when `param` is none of them
// or its value is bad (both are nginx's `invalid parameter`).
bool apply_valued_parameter(std::string_view param, UpstreamPeer& peer) {
    if (auto text = value_of(param, "weight=")) {
        auto weight = config::number_value(*text);
        if (!weight || *weight == 0) return false;
        peer.weight = *weight;
    } else if (auto fails = value_of(param, "max_fails=")) {
        auto count = config::number_value(*fails);
        if (!count) return false;
        peer.max_fails = *count;
    } else if (auto timeout = value_of(param, "fail_timeout=")) {
        auto seconds = config::time_value_seconds(*timeout);
        if (!seconds) return false;
        peer.fail_timeout = std::chrono::seconds(*seconds);
    } else if (auto conns = value_of(param, "max_conns=")) {
        auto count = config::number_value(*conns);
        if (!count) return false;
        peer.max_conns = *count;
    } else {
        return false;
    }
    return true;
}

Status apply_server_parameter(const Directive& d, const std::string& param, BalanceMethod method,
                              UpstreamPeer& peer) {
    if (param == "backup") {
        if (!allows_backup(method))
            return fail(d.where, "balancing method does not support parameter \"" + param + "\"");
        peer.backup = true;
    } else if (param == "down") {
        peer.down = true;
    } else if (!apply_valued_parameter(param, peer)) {
        return fail(d.where, "invalid parameter \"" + param + "\"");
    }
    return success();
}

// server ADDRESS [parameters]: one peer per address, parameters read first (nginx's order).
Status add_server(const Directive& d, UpstreamGroup& group) {
    UpstreamPeer peer;
    peer.server = d.args[0];
    peer.where = d.where;
    for (size_t i = 1; i < d.args.size(); ++i)
        if (Status s = apply_server_parameter(d, d.args[i], group.method, peer); !s) return s;
    auto addresses = resolve_upstream_address(d.args[0]);
    if (!addresses) return fail(d.where, addresses.error() + " in upstream \"" + d.args[0] + "\"");
    for (ResolvedAddress& resolved : addresses.value()) {
        peer.name = std::move(resolved.name);
        peer.address = resolved.address;
        group.peers.push_back(peer);
    }
    return success();
}

// hash KEY [consistent]
Status set_hash(const Directive& d, UpstreamGroup& group) {
    auto key = config::compile_value(d.args[0], nullptr, d.where);
    if (!key) return Err{key.error()};
    group.hash_key = std::move(key.value());
    if (d.args.size() == 1) {
        group.method = BalanceMethod::hash;
    } else if (d.args[1] == "consistent") {
        group.method = BalanceMethod::consistent_hash;
    } else {
        return fail(d.where, "invalid parameter \"" + d.args[1] + "\"");
    }
    return success();
}

// least_conn, ip_hash, hash: the last one counts; nginx only warns about a second.
Status set_method(const Directive& d, UpstreamGroup& group, bool& method_set) {
    if (method_set)
        log::emit(log::Level::warn, "load balancing method redefined in {}:{}", d.where.file,
                  d.where.line);
    method_set = true;
    if (d.name == "hash") return set_hash(d, group);
    group.hash_key.reset();
    group.method = d.name == "ip_hash" ? BalanceMethod::ip_hash : BalanceMethod::least_conn;
    return success();
}

Status set_keepalive(const Directive& d, UpstreamKeepalive& keepalive) {
    if (d.name == "keepalive") {
        keepalive.connections = config::number_value(d.args[0]).value_or(0);  // checked at load
        return success();
    }
    if (d.name == "keepalive_requests") {
        auto requests = config::parse_number(d);
        if (!requests) return Err{requests.error()};
        keepalive.requests = requests.value();
        return success();
    }
    auto ms = config::parse_time_ms(d);
    if (!ms) return Err{ms.error()};
    (d.name == "keepalive_timeout" ? keepalive.timeout : keepalive.time) =
        std::chrono::milliseconds(ms.value());
    return success();
}

bool is_method(std::string_view name) {
    return name == "least_conn" || name == "ip_hash" || name == "hash";
}

bool is_keepalive(std::string_view name) {
    return name == "keepalive" || name == "keepalive_requests" || name == "keepalive_timeout" ||
           name == "keepalive_time";
}

Status apply_upstream_directive(const Directive& d, UpstreamGroup& group, bool& method_set) {
    if (d.name == "server") return add_server(d, group);
    if (is_method(d.name)) return set_method(d, group, method_set);
    if (is_keepalive(d.name)) return set_keepalive(d, group.keepalive);
    // The state stays per worker; a shared zone changes nothing a selection sees yet.
    if (d.name == "zone") return success();
    return fail(d.where, "\"" + d.name + "\" directive is not supported yet");
}

}  // namespace

const UpstreamGroup* find_upstream(const UpstreamGroups& groups, std::string_view name) {
    auto found = groups.find(lower_case(name));
    return found == groups.end() ? nullptr : found->second.get();
}

Result<UpstreamGroup, config::ConfigError> build_upstream_group(const Directive& block) {
    UpstreamGroup group;
    group.name = block.args.at(0);
    group.where = block.where;
    bool method_set = false;
    bool has_server = false;
    for (const Directive& d : block.block) {
        if (Status s = apply_upstream_directive(d, group, method_set); !s) return Err{s.error()};
        has_server = has_server || d.name == "server";
    }
    if (!has_server)
        return fail({block.where.file, block.end_line}, "no servers are inside upstream");
    return group;
}

Status add_upstream_group(const Directive& block, UpstreamGroups& groups) {
    const std::string key = lower_case(block.args.at(0));
    if (groups.count(key) != 0)
        return fail(block.where, "duplicate upstream \"" + block.args[0] + "\"");
    auto group = build_upstream_group(block);
    if (!group) return Err{group.error()};
    groups.emplace(key, std::make_shared<const UpstreamGroup>(std::move(group.value())));
    return success();
}

Status check_upstream_groups(const std::vector<Directive>& http_block,
                             const UpstreamGroups& groups) {
    for (const Directive& d : http_block) {
        if (d.name != "upstream") continue;
        const UpstreamGroup* group = find_upstream(groups, d.args.at(0));
        if (group == nullptr) continue;
        const bool has_primary = std::any_of(group->peers.begin(), group->peers.end(),
                                             [](const UpstreamPeer& p) { return !p.backup; });
        if (!has_primary) return fail(d.where, "no servers in upstream \"" + group->name + "\"");
    }
    return success();
}

}  // namespace strata::web
