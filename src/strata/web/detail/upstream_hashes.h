// The hash functions nginx's hashing balancers use, so that a client or a key lands
// on the same peer as it would behind nginx with the same servers.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace strata::web::detail {

// CRC-32 (zlib's, the one nginx's ngx_crc32 computes); `crc` continues an earlier one.
std::uint32_t crc32_of(std::string_view bytes, std::uint32_t crc = 0);

// ip_hash starts from this value for every request.
inline constexpr std::uint32_t kIpHashSeed = 89;

// One round of ip_hash: every byte of `address` (the first three octets of an IPv4
// address, all sixteen of an IPv6 one) folded into `hash` modulo a prime.
std::uint32_t ip_hash_round(std::uint32_t hash, std::span<const std::uint8_t> address);

// One round of `hash KEY`, Cache::Memcached's expression: (crc32(REHASH KEY) >> 16) & 0x7fff,
// REHASH the round's number in decimal, left out in round 0. A pick adds the rounds up.
std::uint32_t key_hash_round(std::string_view key, std::uint32_t round);

}  // namespace strata::web::detail
