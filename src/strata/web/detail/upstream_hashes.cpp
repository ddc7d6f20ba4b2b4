#include "strata/web/detail/upstream_hashes.h"

#include <zlib.h>

#include <algorithm>
#include <string>

namespace strata::web::detail {
namespace {

constexpr std::uint32_t kIpHashMultiplier = 113;
constexpr std::uint32_t kIpHashModulus = 6271;

}  // namespace

std::uint32_t crc32_of(std::string_view bytes, std::uint32_t crc) {
    // zlib takes uInt lengths: feed long inputs in pieces.
    constexpr std::size_t kPiece = 1u << 30;
    while (!bytes.empty()) {
        const std::size_t length = std::min(bytes.size(), kPiece);
        crc = static_cast<std::uint32_t>(
            ::crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(length)));
        bytes.remove_prefix(length);
    }
    return crc;
}

std::uint32_t ip_hash_round(std::uint32_t hash, std::span<const std::uint8_t> address) {
    for (std::uint8_t byte : address)
        hash = (hash * kIpHashMultiplier + byte) % kIpHashModulus;
    return hash;
}

std::uint32_t key_hash_round(std::string_view key, std::uint32_t round) {
    std::uint32_t crc = 0;
    if (round > 0) crc = crc32_of(std::to_string(round));
    crc = crc32_of(key, crc);
    return (crc >> 16) & 0x7fff;
}

}  // namespace strata::web::detail
