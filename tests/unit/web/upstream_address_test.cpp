// `server` addresses in an upstream: nginx's forms and its error words.
#include "strata/web/upstream_address.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/un.h>

namespace strata::web {
namespace {

std::string parsed(std::string_view text) {
    auto target = parse_upstream_address(text);
    if (!target) return target.error();
    switch (target->kind) {
        case UpstreamTarget::Kind::unix_path:
            return "unix " + target->path;
        case UpstreamTarget::Kind::ipv6:
            return "v6 " + target->host + " " + std::to_string(target->port);
        case UpstreamTarget::Kind::host:
            return "host " + target->host + " " + std::to_string(target->port);
    }
    return "?";
}

struct Case {
    const char* text;
    const char* expected;
};

const Case kCases[] = {
    {"127.0.0.1:8080", "host 127.0.0.1 8080"},
    {"127.0.0.1", "host 127.0.0.1 80"},
    {"backend", "host backend 80"},
    {"backend:080", "host backend 80"},
    {"localhost:65535", "host localhost 65535"},
    {"[::1]:8080", "v6 ::1 8080"},
    {"[::1]", "v6 ::1 80"},
    {"unix:/run/app.sock", "unix /run/app.sock"},
    {"UNIX:/run/app.sock", "unix /run/app.sock"},
    {"unix:/tmp/a:b", "unix /tmp/a:b"},
    {"unix:", "no path in the unix domain socket"},
    {"127.0.0.1:0", "invalid port"},
    {"127.0.0.1:65536", "invalid port"},
    {"127.0.0.1:99999999999999999999", "invalid port"},
    {"127.0.0.1:", "invalid port"},
    {"127.0.0.1:x", "invalid port"},
    {"127.0.0.1:-1", "invalid port"},
    {"a:80:90", "invalid port"},
    {"[::1]:", "invalid port"},
    {"[::1]:0", "invalid port"},
    {"[::1", "invalid host"},
    {"[::1]x", "invalid host"},
    {"127.0.0.1/x", "invalid host"},
    {"127.0.0.1:8080/", "invalid host"},
    {"127.0.0.1?x", "invalid host"},
    {"http://127.0.0.1", "invalid host"},
    {"", "no host"},
    {":80", "no host"},
    {"[]:80", "no host"},
};

class UpstreamAddressCases : public ::testing::TestWithParam<Case> {};

TEST_P(UpstreamAddressCases, Parse) {
    EXPECT_EQ(parsed(GetParam().text), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(Table, UpstreamAddressCases, ::testing::ValuesIn(kCases));

TEST(UpstreamAddress, UnixPathsLongerThanASocketTakesAreRefused) {
    const std::string longest(sizeof(sockaddr_un::sun_path) - 1, 'p');
    EXPECT_EQ(parsed("unix:" + longest), "unix " + longest);
    EXPECT_EQ(parsed("unix:" + longest + "p"), "too long path in the unix domain socket");
}

TEST(UpstreamAddress, ResolvesLiterals) {
    auto v4 = resolve_upstream_address("127.0.0.1:8080");
    ASSERT_TRUE(v4) << v4.error();
    ASSERT_EQ(v4->size(), 1u);
    EXPECT_EQ(v4->at(0).name, "127.0.0.1:8080");
    EXPECT_EQ(v4->at(0).address.storage.ss_family, AF_INET);
    EXPECT_EQ(v4->at(0).address.length, sizeof(sockaddr_in));
    EXPECT_EQ(v4->at(0).address.port(), 8080);

    auto v6 = resolve_upstream_address("[::1]");
    ASSERT_TRUE(v6) << v6.error();
    EXPECT_EQ(v6->at(0).name, "[::1]:80");
    EXPECT_EQ(v6->at(0).address.storage.ss_family, AF_INET6);
    EXPECT_EQ(v6->at(0).address.length, sizeof(sockaddr_in6));

    auto unix_socket = resolve_upstream_address("unix:/run/app.sock");
    ASSERT_TRUE(unix_socket) << unix_socket.error();
    EXPECT_EQ(unix_socket->at(0).name, "unix:/run/app.sock");
    const auto& sun = reinterpret_cast<const sockaddr_un&>(unix_socket->at(0).address.storage);
    EXPECT_EQ(sun.sun_family, AF_UNIX);
    EXPECT_STREQ(sun.sun_path, "/run/app.sock");
}

TEST(UpstreamAddress, ResolvesNamesToEveryAddressIpv4First) {
    auto local = resolve_upstream_address("localhost:9000");
    ASSERT_TRUE(local) << local.error();
    ASSERT_FALSE(local->empty());
    bool seen_v6 = false;
    for (const ResolvedAddress& a : local.value()) {
        EXPECT_TRUE(a.name == "127.0.0.1:9000" || a.name == "[::1]:9000") << a.name;
        if (a.address.storage.ss_family == AF_INET6) seen_v6 = true;
        if (a.address.storage.ss_family == AF_INET) {
            EXPECT_FALSE(seen_v6) << "IPv4 after IPv6";
        }
    }
}

TEST(UpstreamAddress, Failures) {
    EXPECT_EQ(resolve_upstream_address("[fe80::1%lo]:80").error(), "invalid IPv6 address");
    EXPECT_EQ(resolve_upstream_address("nosuchhost.invalid").error(), "host not found");
    EXPECT_EQ(resolve_upstream_address("127.0.0.1:0").error(), "invalid port");
}

}  // namespace
}  // namespace strata::web
