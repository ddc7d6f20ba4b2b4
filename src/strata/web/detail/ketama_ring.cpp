#include "strata/web/detail/ketama_ring.h"

#include <strings.h>

#include <algorithm>
#include <array>

#include "strata/web/detail/upstream_hashes.h"

namespace strata::web::detail {
namespace {

struct HostPort {
    std::string_view host, port;
};

HostPort split_host_port(std::string_view address) {
    constexpr std::string_view kUnix = "unix:";
    if (address.size() >= kUnix.size() &&
        strncasecmp(address.data(), kUnix.data(), kUnix.size()) == 0)
        return {address.substr(kUnix.size()), {}};
    const auto last_non_digit = address.find_last_not_of("0123456789");
    if (last_non_digit != std::string_view::npos && address[last_non_digit] == ':')
        return {address.substr(0, last_non_digit), address.substr(last_non_digit + 1)};
    return {address, {}};
}

// The four bytes of `value`, least significant first, whatever the machine's order.
std::string_view little_endian(std::uint32_t value, std::array<char, 4>& bytes) {
    for (std::size_t i = 0; i < bytes.size(); ++i)
        bytes[i] = static_cast<char>((value >> (8 * i)) & 0xff);
    return {bytes.data(), bytes.size()};
}

}  // namespace

std::uint32_t ketama_base_hash(std::string_view address) {
    const HostPort parts = split_host_port(address);
    std::uint32_t crc = crc32_of(parts.host);
    crc = crc32_of(std::string_view("\0", 1), crc);
    return crc32_of(parts.port, crc);
}

// Each point hashes the server's base with the previous point's hash appended (the
// first with zero), so a server's points are a chain only it produces.
void KetamaRing::add_points(const KetamaServer& server) {
    const std::uint32_t base = ketama_base_hash(server.address);
    std::uint32_t previous = 0;
    std::array<char, 4> bytes{};
    for (std::int64_t i = 0; i < server.weight * kKetamaPointsPerWeight; ++i) {
        const std::uint32_t hash = crc32_of(little_endian(previous, bytes), base);
        points_.push_back({hash, server.id});
        previous = hash;
    }
}

// Points sorted by hash; of equal hashes the first added stays.
KetamaRing::KetamaRing(std::span<const KetamaServer> servers) {
    for (const KetamaServer& server : servers)
        add_points(server);
    std::stable_sort(points_.begin(), points_.end(),
                     [](const Point& a, const Point& b) { return a.hash < b.hash; });
    auto same_hash = [](const Point& a, const Point& b) { return a.hash == b.hash; };
    points_.erase(std::unique(points_.begin(), points_.end(), same_hash), points_.end());
}

std::size_t KetamaRing::first_at_or_after(std::uint32_t hash) const {
    auto at = std::lower_bound(points_.begin(), points_.end(), hash,
                               [](const Point& point, std::uint32_t h) { return point.hash < h; });
    return static_cast<std::size_t>(at - points_.begin());
}

std::uint32_t KetamaRing::server_at(std::size_t index) const {
    return points_[index % points_.size()].server;
}

}  // namespace strata::web::detail
