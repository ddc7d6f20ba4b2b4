#include "strata/web/tried_peers.h"

#include <gtest/gtest.h>

namespace strata::web {
namespace {

TEST(TriedPeers, StartsEmptyAndRemembersEachPeer) {
    TriedPeers tried;
    EXPECT_TRUE(tried.empty());
    EXPECT_FALSE(tried.contains(0));
    tried.insert(0);
    tried.insert(5);
    tried.insert(63);
    EXPECT_TRUE(tried.contains(0));
    EXPECT_TRUE(tried.contains(5));
    EXPECT_TRUE(tried.contains(63));
    EXPECT_FALSE(tried.contains(1));
    EXPECT_FALSE(tried.contains(62));
    EXPECT_FALSE(tried.empty());
}

TEST(TriedPeers, GroupsOfMoreThanSixtyFourPeers) {
    TriedPeers tried;
    EXPECT_FALSE(tried.contains(64));
    EXPECT_FALSE(tried.contains(1000));
    tried.insert(64);
    tried.insert(200);
    EXPECT_TRUE(tried.contains(64));
    EXPECT_TRUE(tried.contains(200));
    EXPECT_FALSE(tried.contains(65));
    EXPECT_FALSE(tried.contains(0));
    EXPECT_FALSE(tried.contains(199));
    EXPECT_FALSE(tried.empty());
}

}  // namespace
}  // namespace strata::web
