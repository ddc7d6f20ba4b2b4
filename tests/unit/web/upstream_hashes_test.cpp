// The hash functions of ip_hash and hash, against values worked out by hand / zlib.
#include "strata/web/detail/upstream_hashes.h"

#include <gtest/gtest.h>

#include <array>

namespace strata::web::detail {
namespace {

TEST(UpstreamHashes, Crc32IsTheStandardOneAndContinues) {
    EXPECT_EQ(crc32_of("123456789"), 0xcbf43926u);
    EXPECT_EQ(crc32_of(""), 0u);
    EXPECT_EQ(crc32_of("6789", crc32_of("12345")), 0xcbf43926u);
}

// 89 → (89·113 + 192) mod 6271 = 3978 → (3978·113 + 168) mod 6271 = 4441
//    → (4441·113 + 1) mod 6271 = 154
TEST(UpstreamHashes, IpHashFoldsEachByteModuloAPrime) {
    const std::array<std::uint8_t, 3> octets{192, 168, 1};
    EXPECT_EQ(ip_hash_round(kIpHashSeed, octets), 154u);
    EXPECT_EQ(ip_hash_round(kIpHashSeed, std::span<const std::uint8_t>{}), kIpHashSeed);
    // A second round goes on from the first (nginx's rehash).
    EXPECT_EQ(ip_hash_round(154, octets),
              ip_hash_round(ip_hash_round(kIpHashSeed, octets), octets));
}

TEST(UpstreamHashes, KeyHashIsCacheMemcachedsExpression) {
    EXPECT_EQ(key_hash_round("abc", 0), (crc32_of("abc") >> 16) & 0x7fff);
    EXPECT_EQ(key_hash_round("abc", 0), 13604u);
    EXPECT_EQ(key_hash_round("abc", 1), 9142u);  // crc32("1abc")
    EXPECT_EQ(key_hash_round("abc", 12), (crc32_of("12abc") >> 16) & 0x7fff);
    EXPECT_LE(key_hash_round("anything at all", 7), 0x7fffu);
}

}  // namespace
}  // namespace strata::web::detail
