#include "strata/web/upstream_address.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/un.h>

#include <cstring>
#include <optional>

namespace strata::web {
namespace {

constexpr std::string_view kUnixPrefix = "unix:";

// nginx's ports: digits only, 1…65535.
std::optional<std::uint16_t> port_value(std::string_view text) {
    if (text.empty()) return std::nullopt;
    unsigned value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<unsigned>(c - '0');
        if (value > 65535) return std::nullopt;
    }
    if (value < 1 || value > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

Result<UpstreamTarget, std::string> parse_unix(std::string_view path) {
    if (path.empty()) return Err{std::string("no path in the unix domain socket")};
    if (path.size() >= sizeof(sockaddr_un::sun_path))
        return Err{std::string("too long path in the unix domain socket")};
    UpstreamTarget target;
    target.kind = UpstreamTarget::Kind::unix_path;
    target.path = std::string(path);
    return target;
}

// "[v6]" or "[v6]:port"; the literal itself is checked when it is resolved.
Result<UpstreamTarget, std::string> parse_ipv6(std::string_view text) {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return Err{std::string("invalid host")};
    std::string_view rest = text.substr(close + 1);
    UpstreamTarget target;
    target.kind = UpstreamTarget::Kind::ipv6;
    if (!rest.empty()) {
        if (rest.front() != ':') return Err{std::string("invalid host")};
        auto port = port_value(rest.substr(1));
        if (!port) return Err{std::string("invalid port")};
        target.port = *port;
    }
    target.host = std::string(text.substr(1, close - 1));
    if (target.host.empty()) return Err{std::string("no host")};
    return target;
}

// "host" or "host:port"; the first colon starts the port, so "a:1:2" has a bad one.
Result<UpstreamTarget, std::string> parse_host(std::string_view text) {
    if (text.find_first_of("/?") != std::string_view::npos) return Err{std::string("invalid host")};
    UpstreamTarget target;
    const auto colon = text.find(':');
    if (colon != std::string_view::npos) {
        auto port = port_value(text.substr(colon + 1));
        if (!port) return Err{std::string("invalid port")};
        target.port = *port;
    }
    target.host = std::string(text.substr(0, colon));
    if (target.host.empty()) return Err{std::string("no host")};
    return target;
}

std::string with_port(const net::PeerAddress& address) {
    const std::string host = address.text();
    const std::string port = std::to_string(address.port());
    if (address.storage.ss_family == AF_INET6) return "[" + host + "]:" + port;
    return host + ":" + port;
}

ResolvedAddress from_sockaddr(const sockaddr* source, socklen_t length, std::uint16_t port) {
    ResolvedAddress resolved;
    std::memcpy(&resolved.address.storage, source, length);
    resolved.address.length = length;
    auto* storage = &resolved.address.storage;
    if (storage->ss_family == AF_INET)
        reinterpret_cast<sockaddr_in*>(storage)->sin_port = htons(port);
    else
        reinterpret_cast<sockaddr_in6*>(storage)->sin6_port = htons(port);
    resolved.name = with_port(resolved.address);
    return resolved;
}

Result<std::vector<ResolvedAddress>, std::string> resolve_unix(const UpstreamTarget& target) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, target.path.data(), target.path.size());
    ResolvedAddress resolved;
    std::memcpy(&resolved.address.storage, &address, sizeof address);
    resolved.address.length = static_cast<socklen_t>(sizeof address);
    resolved.name = std::string(kUnixPrefix) + target.path;
    return std::vector<ResolvedAddress>{resolved};
}

Result<std::vector<ResolvedAddress>, std::string> resolve_ipv6(const UpstreamTarget& target) {
    sockaddr_in6 address{};
    address.sin6_family = AF_INET6;
    if (inet_pton(AF_INET6, target.host.c_str(), &address.sin6_addr) != 1)
        return Err{std::string("invalid IPv6 address")};
    return std::vector<ResolvedAddress>{
        from_sockaddr(reinterpret_cast<const sockaddr*>(&address), sizeof address, target.port)};
}

// getaddrinfo's answers, IPv4 before IPv6 (nginx's order), each once.
std::vector<ResolvedAddress> addresses_of(const addrinfo* list, std::uint16_t port) {
    std::vector<ResolvedAddress> out;
    for (int family : {AF_INET, AF_INET6}) {
        for (const addrinfo* entry = list; entry != nullptr; entry = entry->ai_next) {
            if (entry->ai_family != family) continue;
            ResolvedAddress resolved = from_sockaddr(entry->ai_addr, entry->ai_addrlen, port);
            bool seen = false;
            for (const ResolvedAddress& earlier : out)
                seen = seen || earlier.name == resolved.name;
            if (!seen) out.push_back(std::move(resolved));
        }
    }
    return out;
}

Result<std::vector<ResolvedAddress>, std::string> resolve_host(const UpstreamTarget& target) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;  // as nginx asks
    addrinfo* list = nullptr;
    if (getaddrinfo(target.host.c_str(), nullptr, &hints, &list) != 0)
        return Err{std::string("host not found")};
    std::vector<ResolvedAddress> out = addresses_of(list, target.port);
    freeaddrinfo(list);
    if (out.empty()) return Err{std::string("host not found")};
    return out;
}

}  // namespace

Result<UpstreamTarget, std::string> parse_upstream_address(std::string_view text) {
    if (text.size() >= kUnixPrefix.size() &&
        strncasecmp(text.data(), kUnixPrefix.data(), kUnixPrefix.size()) == 0)
        return parse_unix(text.substr(kUnixPrefix.size()));
    if (!text.empty() && text.front() == '[') return parse_ipv6(text);
    return parse_host(text);
}

Result<std::vector<ResolvedAddress>, std::string> resolve_upstream_target(
    const UpstreamTarget& target) {
    switch (target.kind) {
        case UpstreamTarget::Kind::unix_path:
            return resolve_unix(target);
        case UpstreamTarget::Kind::ipv6:
            return resolve_ipv6(target);
        case UpstreamTarget::Kind::host:
            return resolve_host(target);
    }
    return Err{std::string("host not found")};
}

Result<std::vector<ResolvedAddress>, std::string> resolve_upstream_address(std::string_view text) {
    auto target = parse_upstream_address(text);
    if (!target) return Err{target.error()};
    return resolve_upstream_target(target.value());
}

}  // namespace strata::web
