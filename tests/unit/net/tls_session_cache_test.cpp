#include "strata/net/tls_session_cache.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace strata::net {
namespace {

TEST(SharedSessionCache, FindsWhatWasStoredUntilItExpires) {
    SharedSessionCache cache(64 * 1024);
    cache.store("id-1", "session one", 100, 200);
    EXPECT_EQ(cache.find("id-1", 150), "session one");
    EXPECT_EQ(cache.find("id-2", 150), std::nullopt);
    EXPECT_EQ(cache.find("id-1", 200), std::nullopt);  // expired
    EXPECT_EQ(cache.find("id-1", 150), std::nullopt);  // and its slot freed
}

TEST(SharedSessionCache, ReplacesAndRemoves) {
    SharedSessionCache cache(64 * 1024);
    cache.store("id", "old", 0, 100);
    cache.store("id", "new", 0, 100);
    EXPECT_EQ(cache.find("id", 1), "new");
    cache.remove("id");
    EXPECT_EQ(cache.find("id", 1), std::nullopt);
}

TEST(SharedSessionCache, RefusesWhatDoesNotFit) {
    SharedSessionCache cache(64 * 1024);
    cache.store(std::string(SharedSessionCache::kMaxId + 1, 'i'), "s", 0, 100);
    cache.store("big", std::string(SharedSessionCache::kMaxSession + 1, 's'), 0, 100);
    EXPECT_EQ(cache.find("big", 1), std::nullopt);
    EXPECT_EQ(cache.find(std::string(SharedSessionCache::kMaxId + 1, 'i'), 1), std::nullopt);
}

// A full cache evicts instead of refusing: the newest session is always there.
TEST(SharedSessionCache, FullCacheKeepsTheNewest) {
    SharedSessionCache cache(4 * 1024);  // a few slots
    ASSERT_GE(cache.slots(), 1u);
    for (int i = 0; i < 200; ++i) {
        std::string id = "id-" + std::to_string(i);
        cache.store(id, "session " + std::to_string(i), 0, 100);
        EXPECT_EQ(cache.find(id, 1), "session " + std::to_string(i));
    }
}

// The point of it: a session one worker stored is found by another.
TEST(SharedSessionCache, ProcessesForkedAfterwardsShareIt) {
    SharedSessionCache cache(64 * 1024);
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        cache.store("from-child", "child's session", 0, 100);
        _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(cache.find("from-child", 1), "child's session");
}

// A zone is found by name while something holds it (another server, the configuration
// being replaced by a reload); a new size or a released zone makes a new one.
TEST(SharedSessionCache, NamedZonesAreSharedWhileHeld) {
    auto first = SharedSessionCache::named("ZONE", 64 * 1024);
    first->store("id", "kept", 0, 100);
    auto again = SharedSessionCache::named("ZONE", 64 * 1024);
    EXPECT_EQ(again.get(), first.get());
    EXPECT_EQ(again->find("id", 1), "kept");
    EXPECT_NE(SharedSessionCache::named("OTHER", 64 * 1024).get(), first.get());
    auto resized = SharedSessionCache::named("ZONE", 128 * 1024);
    EXPECT_NE(resized.get(), first.get());
    EXPECT_EQ(resized->find("id", 1), std::nullopt);
    resized.reset();
    first.reset();
    again.reset();
    EXPECT_EQ(SharedSessionCache::named("ZONE", 128 * 1024)->find("id", 1), std::nullopt);
}

}  // namespace
}  // namespace strata::net
