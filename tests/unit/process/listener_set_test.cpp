#include "strata/process/listener_set.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace strata::process {
namespace {

Listen listen_on(const char* text) {
    return {net::parse_listen_address(text).value(), {}};
}

bool is_open(int fd) {
    return ::fcntl(fd, F_GETFD) != -1;
}

TEST(ListenerSet, KeepsUnchangedAddressesAcrossUpdates) {
    ListenerSet set;
    auto first = set.update({listen_on("127.0.0.1:0")});
    ASSERT_TRUE(first) << first.error();
    int kept = first.value().at(0);
    auto second = set.update({listen_on("127.0.0.1:0"), listen_on("[::1]:0")});
    ASSERT_TRUE(second) << second.error();
    ASSERT_EQ(second.value().size(), 2U);
    EXPECT_EQ(second.value()[0], kept);
    EXPECT_EQ(set.size(), 2U);
}

TEST(ListenerSet, ClosesRemovedAddresses) {
    ListenerSet set;
    auto both = set.update({listen_on("127.0.0.1:0"), listen_on("[::1]:0")});
    ASSERT_TRUE(both) << both.error();
    int removed = both.value()[1];
    auto one = set.update({listen_on("127.0.0.1:0")});
    ASSERT_TRUE(one);
    EXPECT_EQ(one.value()[0], both.value()[0]);
    EXPECT_FALSE(is_open(removed));
}

TEST(ListenerSet, FailedUpdateChangesNothing) {
    ListenerSet busy;
    auto taken = busy.update({listen_on("127.0.0.1:0")});
    ASSERT_TRUE(taken);
    std::string in_use = "127.0.0.1:" + std::to_string(net::bound_port(taken.value()[0]));

    ListenerSet set;
    auto first = set.update({listen_on("[::1]:0")});
    ASSERT_TRUE(first);
    auto failed = set.update({listen_on("[::1]:0"), listen_on(in_use.c_str())});
    ASSERT_FALSE(failed);
    EXPECT_NE(failed.error().find("bind() to " + in_use + " failed (98"), std::string::npos)
        << failed.error();
    EXPECT_EQ(set.size(), 1U);
    EXPECT_TRUE(is_open(first.value()[0]));
}

TEST(ListenerSet, RejectsADuplicateAddress) {
    ListenerSet set;
    auto result = set.update({listen_on("127.0.0.1:0"), listen_on("127.0.0.1:0")});
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().find("duplicate listen address"), std::string::npos);
    EXPECT_EQ(set.size(), 0U);
}

}  // namespace
}  // namespace strata::process
