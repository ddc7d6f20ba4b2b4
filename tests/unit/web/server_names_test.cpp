// nginx's server selection by name: exact, longest leading wildcard, longest trailing
// wildcard, first regex, default server.
#include "strata/web/server_names.h"

#include <gtest/gtest.h>

namespace strata::web {
namespace {

struct Server {
    std::string label;
    std::vector<ServerName> names;
};

Server server(std::string label, std::vector<std::string> names) {
    Server s{std::move(label), {}};
    for (const std::string& n : names) {
        auto parsed = parse_server_name(n).value();
        s.names.insert(s.names.end(), parsed.begin(), parsed.end());
    }
    return s;
}

std::string choose(const std::vector<Server>& servers, std::string_view host) {
    std::vector<const Server*> candidates;
    for (const Server& s : servers)
        candidates.push_back(&s);
    const Server* chosen = select_server(candidates, host, candidates.front());
    return chosen->label;
}

const std::vector<Server> kServers = {
    server("default", {"localhost"}),
    server("exact", {"www.example.com"}),
    server("sub", {"*.example.com"}),
    server("deep", {"*.api.example.com"}),
    server("dot", {".example.org"}),
    server("tail", {"www.example.*"}),
    server("regex1", {"~^mail\\d+\\.example\\.net$"}),
    server("regex2", {"~example\\.net$"}),
    server("empty", {""}),
};

struct Case {
    const char* host;
    const char* expected;
};

class ServerSelection : public testing::TestWithParam<Case> {};

TEST_P(ServerSelection, FollowsNginxOrder) {
    EXPECT_EQ(choose(kServers, GetParam().host), GetParam().expected) << GetParam().host;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ServerSelection,
    testing::Values(Case{"www.example.com", "exact"}, Case{"a.example.com", "sub"},
                    Case{"x.api.example.com", "deep"}, Case{"example.com", "default"},
                    Case{"example.org", "dot"}, Case{"a.b.example.org", "dot"},
                    Case{"www.example.net", "tail"}, Case{"mail7.example.net", "regex1"},
                    Case{"web.example.net", "regex2"}, Case{"", "empty"},
                    Case{"unknown.test", "default"}, Case{"localhost", "default"}));

TEST(NormalizeHost, AsNginxCompares) {
    EXPECT_EQ(normalize_host("WWW.Example.COM:8080"), "www.example.com");
    EXPECT_EQ(normalize_host("example.com."), "example.com");
    EXPECT_EQ(normalize_host("[::1]:80"), "[::1]");
    EXPECT_EQ(normalize_host(""), "");
    EXPECT_EQ(normalize_host("a..b"), std::nullopt);
    EXPECT_EQ(normalize_host("a/b"), std::nullopt);
    EXPECT_EQ(normalize_host(".a"), std::nullopt);
    EXPECT_EQ(normalize_host(std::string_view("a\0b", 3)), std::nullopt);
}

TEST(ParseServerName, RejectsMisplacedWildcards) {
    EXPECT_FALSE(parse_server_name("www.*.com").ok());
    EXPECT_FALSE(parse_server_name("~(bad").ok());
    EXPECT_EQ(parse_server_name(".example.org").value().size(), 2u);
}

}  // namespace
}  // namespace strata::web
