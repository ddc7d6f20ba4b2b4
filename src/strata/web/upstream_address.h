// The address of an upstream `server`: "host:port", "host" (port 80), "ip:port",
// "[v6]:port" or "unix:/path", read and resolved at load as nginx does. A host name
// stands for every address it resolves to.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "strata/base/result.h"
#include "strata/net/listener.h"

namespace strata::web {

inline constexpr std::uint16_t kUpstreamDefaultPort = 80;

// What the text says, before any resolving.
struct UpstreamTarget {
    enum class Kind { host, ipv6, unix_path };
    Kind kind = Kind::host;
    std::string host;  // a name or an IPv4 literal; the IPv6 literal without brackets
    std::uint16_t port = kUpstreamDefaultPort;
    std::string path;  // Kind::unix_path
};

struct ResolvedAddress {
    std::string name;  // "127.0.0.1:8080", "[::1]:8080", "unix:/run/app.sock"
    net::PeerAddress address;
};

// Errors are nginx's words, which it reports as `<error> in upstream "<text>"`:
// "invalid host", "no host", "invalid port", "invalid IPv6 address",
// "no path in the unix domain socket", "too long path in the unix domain socket".
Result<UpstreamTarget, std::string> parse_upstream_address(std::string_view text);

// Every address of `target`: a name through getaddrinfo (IPv4 ones first, as nginx
// lists them), a literal as it is. Error: "host not found".
Result<std::vector<ResolvedAddress>, std::string> resolve_upstream_target(
    const UpstreamTarget& target);

// parse_upstream_address then resolve_upstream_target.
Result<std::vector<ResolvedAddress>, std::string> resolve_upstream_address(std::string_view text);

}  // namespace strata::web
