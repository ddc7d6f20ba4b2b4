// The ring of `hash KEY consistent` (ketama, as nginx builds it): each server puts
// 160 points per unit of weight on a 32-bit circle, a key goes to the first point at
// or after its CRC-32. Adding or removing one of N servers moves only about 1/N of
// the keys, and a key keeps its server while the servers stay the same.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace strata::web::detail {

inline constexpr std::int64_t kKetamaPointsPerWeight = 160;

struct KetamaServer {
    std::string_view address;  // as written in `server`: "backend:8080", "unix:/run/a.sock"
    std::uint32_t id;          // what a point names; equal addresses should share an id
    std::int64_t weight;
};

class KetamaRing {
  public:
    KetamaRing() = default;
    explicit KetamaRing(std::span<const KetamaServer> servers);

    std::size_t size() const { return points_.size(); }
    bool empty() const { return points_.empty(); }
    // The index of the first point whose hash is >= `hash`; size() past the last one
    // (server_at wraps it round to the first).
    std::size_t first_at_or_after(std::uint32_t hash) const;
    // The server of point `index` modulo size(); the ring must not be empty.
    std::uint32_t server_at(std::size_t index) const;

  private:
    struct Point {
        std::uint32_t hash;
        std::uint32_t server;
    };
    void add_points(const KetamaServer& server);

    std::vector<Point> points_;
};

// The CRC-32 a server's points start from: crc32(HOST "\0" PORT), the port being the
// digits after the last colon ("unix:" addresses and names without one have none) —
// Cache::Memcached::Fast's construction, which nginx follows.
std::uint32_t ketama_base_hash(std::string_view address);

}  // namespace strata::web::detail
