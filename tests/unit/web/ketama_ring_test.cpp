// The consistent-hash ring: nginx's construction, and the property that matters —
// one server more or less moves only its share of the keys.
#include "strata/web/detail/ketama_ring.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "strata/web/detail/upstream_hashes.h"

namespace strata::web::detail {
namespace {

TEST(KetamaRing, BaseHashIsHostNulPort) {
    EXPECT_EQ(ketama_base_hash("127.0.0.1:8080"), 0xe307580fu);    // crc32("127.0.0.1\0" "8080")
    EXPECT_EQ(ketama_base_hash("unix:/run/a.sock"), 0x1261948cu);  // crc32("/run/a.sock\0")
    EXPECT_EQ(ketama_base_hash("UNIX:/run/a.sock"), 0x1261948cu);
    EXPECT_EQ(ketama_base_hash("backend"), 0xf58f4beeu);  // no port: crc32("backend\0")
    EXPECT_EQ(ketama_base_hash("backend:"), 0xf58f4beeu);
    EXPECT_EQ(ketama_base_hash("[::1]:80"), crc32_of(std::string("[::1]\0"
                                                                 "80",
                                                                 8)));
}

// The points chain: crc32(base, previous point as 4 little-endian bytes), from zero.
TEST(KetamaRing, PointsAreChainedFromTheBase) {
    const KetamaServer one{"127.0.0.1:8080", 7, 1};
    const KetamaRing ring(std::span<const KetamaServer>(&one, 1));
    EXPECT_EQ(ring.size(), static_cast<std::size_t>(kKetamaPointsPerWeight));
    // The first two points of the chain are on the ring, each its own.
    for (std::uint32_t point : {0x6dca9547u, 0x92c7adf9u}) {
        const std::size_t at = ring.first_at_or_after(point);
        EXPECT_EQ(ring.first_at_or_after(point + 1), at + 1);
        EXPECT_EQ(ring.server_at(at), 7u);
    }
}

TEST(KetamaRing, WeightMultipliesPointsAndEqualAddressesCollapse) {
    const std::vector<KetamaServer> servers{{"a:1", 0, 3}, {"b:1", 1, 1}, {"a:1", 0, 3}};
    const KetamaRing ring(servers);
    EXPECT_EQ(ring.size(), static_cast<std::size_t>(4 * kKetamaPointsPerWeight));
}

TEST(KetamaRing, PastTheLastPointWrapsToTheFirst) {
    const std::vector<KetamaServer> servers{{"a:1", 0, 1}, {"b:1", 1, 1}};
    const KetamaRing ring(servers);
    EXPECT_EQ(ring.first_at_or_after(0xffffffffu), ring.size());
    EXPECT_EQ(ring.server_at(ring.size()), ring.server_at(0));
}

std::vector<std::uint32_t> owners(const KetamaRing& ring, int keys) {
    std::vector<std::uint32_t> out;
    for (int k = 0; k < keys; ++k)
        out.push_back(ring.server_at(ring.first_at_or_after(crc32_of("/k" + std::to_string(k)))));
    return out;
}

std::vector<std::string> addresses(int count) {
    std::vector<std::string> out;
    for (int i = 0; i < count; ++i)
        out.push_back("10.0.0." + std::to_string(i + 1) + ":8080");
    return out;
}

KetamaRing ring_of(const std::vector<std::string>& names) {
    std::vector<KetamaServer> servers;
    for (std::size_t i = 0; i < names.size(); ++i)
        servers.push_back({names[i], static_cast<std::uint32_t>(i), 1});
    return KetamaRing(servers);
}

// Ten servers, one added: about 1/11 of the keys move, all of them to the new one.
TEST(KetamaRing, AddingAServerMovesOnlyItsShare) {
    const int kKeys = 20000;
    const auto names = addresses(11);
    const auto before = owners(ring_of({names.begin(), names.end() - 1}), kKeys);
    const auto after = owners(ring_of(names), kKeys);
    int moved = 0;
    for (int k = 0; k < kKeys; ++k) {
        if (before[k] == after[k]) continue;
        ++moved;
        EXPECT_EQ(after[k], 10u) << "key " << k << " moved between old servers";
    }
    const double fraction = static_cast<double>(moved) / kKeys;
    EXPECT_GT(fraction, 0.06);
    EXPECT_LT(fraction, 0.13);
}

// Removing one of ten moves its keys only, about a tenth of them.
TEST(KetamaRing, RemovingAServerMovesOnlyItsKeys) {
    const int kKeys = 20000;
    auto names = addresses(10);
    const auto before = owners(ring_of(names), kKeys);
    names.erase(names.begin() + 3);  // ids after it shift down by one
    const auto after = owners(ring_of(names), kKeys);
    int moved = 0;
    for (int k = 0; k < kKeys; ++k) {
        const std::uint32_t renamed = after[k] >= 3 ? after[k] + 1 : after[k];
        if (before[k] == 3) {
            ++moved;
            continue;
        }
        EXPECT_EQ(renamed, before[k]) << "key " << k;
    }
    const double fraction = static_cast<double>(moved) / kKeys;
    EXPECT_GT(fraction, 0.06);
    EXPECT_LT(fraction, 0.14);
}

TEST(KetamaRing, KeysSpreadOverServersByWeight) {
    const std::vector<KetamaServer> servers{{"10.0.0.1:80", 0, 1}, {"10.0.0.2:80", 1, 3}};
    const auto owned = owners(KetamaRing(servers), 40000);
    const auto heavy = std::count(owned.begin(), owned.end(), 1u);
    EXPECT_NEAR(static_cast<double>(heavy) / owned.size(), 0.75, 0.05);
}

}  // namespace
}  // namespace strata::web::detail
