// upstream {} blocks as the web layer builds them: parameters, defaults, methods, and
// nginx 1.22's errors at the file:line `nginx -t` names for the same text.
#include "strata/web/upstream_config.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "strata/config/loader.h"
#include "strata/web/config_builder.h"

namespace strata::web {
namespace {

namespace fs = std::filesystem;

class UpstreamConfigTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("strata-upstream-" + std::to_string(getpid()));
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    // Loads `http_body` as the body of the http block; its first line is line 3.
    Result<MainConfig, config::ConfigError> load(const std::string& http_body) {
        std::ofstream(dir_ / "nginx.conf") << "events{}\nhttp {\n" << http_body << "\n}\n";
        auto loaded = config::load_config((dir_ / "nginx.conf").string());
        if (!loaded) return Err{loaded.error()};
        return build_main_config(loaded->directives, dir_.string() + "/");
    }

    // "ok", or the error with the directory shown as "D/".
    std::string error_of(const std::string& http_body) {
        auto config = load(http_body);
        if (config) return "ok";
        std::string message = config.error().to_string();
        const std::string root = dir_.string() + "/";
        if (message.starts_with(root)) message.replace(0, root.size(), "D/");
        return message;
    }

    // The group `name` of a configuration that must load.
    std::shared_ptr<const UpstreamGroup> group(const std::string& http_body,
                                               const std::string& name = "u") {
        auto config = load(http_body);
        if (!config) {
            ADD_FAILURE() << config.error().to_string();
            return std::make_shared<const UpstreamGroup>();
        }
        auto found = config->http.upstreams.find(name);
        if (found == config->http.upstreams.end()) {
            ADD_FAILURE() << "no upstream " << name;
            return std::make_shared<const UpstreamGroup>();
        }
        return found->second;
    }

    fs::path dir_;
};

struct Case {
    const char* http_body;
    const char* expected;
};

// Each expected error is what `nginx -t` (Debian's 1.22) printed for the same file,
// "MESSAGE in FILE:LINE" written as strata writes it, "FILE:LINE: MESSAGE".
const Case kNginxCases[] = {
    {"upstream u {\n\n}", "D/nginx.conf:5: no servers are inside upstream"},
    {"upstream u { server 127.0.0.1; }\nupstream U { server 127.0.0.1; }",
     "D/nginx.conf:4: duplicate upstream \"U\""},
    {"upstream u {\nserver 127.0.0.1 backup;\n\n}", "D/nginx.conf:3: no servers in upstream \"u\""},
    {"upstream u { server 127.0.0.1 backup; ip_hash; }",
     "D/nginx.conf:3: no servers in upstream \"u\""},
    {"upstream u { least_conn; server 127.0.0.1 backup; server 127.0.0.2 backup; }",
     "D/nginx.conf:3: no servers in upstream \"u\""},
    {"upstream u { ip_hash; server 127.0.0.1 backup; }",
     "D/nginx.conf:3: balancing method does not support parameter \"backup\""},
    {"upstream u { hash $uri; server 127.0.0.1 backup; }",
     "D/nginx.conf:3: balancing method does not support parameter \"backup\""},
    {"upstream u { hash $uri foo; server 127.0.0.1; }",
     "D/nginx.conf:3: invalid parameter \"foo\""},
    {"upstream u { server 127.0.0.1 foo=1; }", "D/nginx.conf:3: invalid parameter \"foo=1\""},
    {"upstream u { server 127.0.0.1 foo; }", "D/nginx.conf:3: invalid parameter \"foo\""},
    {"upstream u { server 127.0.0.1 weight=0; }", "D/nginx.conf:3: invalid parameter \"weight=0\""},
    {"upstream u { server 127.0.0.1 weight=x; }", "D/nginx.conf:3: invalid parameter \"weight=x\""},
    {"upstream u { server 127.0.0.1 weight=-1; }",
     "D/nginx.conf:3: invalid parameter \"weight=-1\""},
    {"upstream u { server 127.0.0.1 weight=; }", "D/nginx.conf:3: invalid parameter \"weight=\""},
    {"upstream u { server 127.0.0.1 WEIGHT=2; }", "D/nginx.conf:3: invalid parameter \"WEIGHT=2\""},
    {"upstream u { server 127.0.0.1 Backup; }", "D/nginx.conf:3: invalid parameter \"Backup\""},
    {"upstream u { server 127.0.0.1 max_fails=x; }",
     "D/nginx.conf:3: invalid parameter \"max_fails=x\""},
    {"upstream u { server 127.0.0.1 max_fails=-1; }",
     "D/nginx.conf:3: invalid parameter \"max_fails=-1\""},
    {"upstream u { server 127.0.0.1 fail_timeout=x; }",
     "D/nginx.conf:3: invalid parameter \"fail_timeout=x\""},
    {"upstream u { server 127.0.0.1 fail_timeout=500ms; }",
     "D/nginx.conf:3: invalid parameter \"fail_timeout=500ms\""},
    {"upstream u { server 127.0.0.1 fail_timeout=; }",
     "D/nginx.conf:3: invalid parameter \"fail_timeout=\""},
    {"upstream u { server 127.0.0.1 max_conns=x; }",
     "D/nginx.conf:3: invalid parameter \"max_conns=x\""},
    {"upstream u { server 127.0.0.1 max_conns=-1; }",
     "D/nginx.conf:3: invalid parameter \"max_conns=-1\""},
    {"upstream u { server 127.0.0.1 slow_start=1s; }",
     "D/nginx.conf:3: invalid parameter \"slow_start=1s\""},
    {"upstream u { server 127.0.0.1 resolve; }", "D/nginx.conf:3: invalid parameter \"resolve\""},
    {"upstream u { server 127.0.0.1:99999; }",
     "D/nginx.conf:3: invalid port in upstream \"127.0.0.1:99999\""},
    {"upstream u { server 127.0.0.1:0; }",
     "D/nginx.conf:3: invalid port in upstream \"127.0.0.1:0\""},
    {"upstream u { server 127.0.0.1:; }",
     "D/nginx.conf:3: invalid port in upstream \"127.0.0.1:\""},
    {"upstream u { server 127.0.0.1:x; }",
     "D/nginx.conf:3: invalid port in upstream \"127.0.0.1:x\""},
    {"upstream u { server 127.0.0.1:80:90; }",
     "D/nginx.conf:3: invalid port in upstream \"127.0.0.1:80:90\""},
    {"upstream u { server 127.0.0.1:-1; }",
     "D/nginx.conf:3: invalid port in upstream \"127.0.0.1:-1\""},
    {"upstream u { server [::1]:; }", "D/nginx.conf:3: invalid port in upstream \"[::1]:\""},
    {"upstream u { server unix:; }",
     "D/nginx.conf:3: no path in the unix domain socket in upstream \"unix:\""},
    {"upstream u { server [::1; }", "D/nginx.conf:3: invalid host in upstream \"[::1\""},
    {"upstream u { server [::1]x; }", "D/nginx.conf:3: invalid host in upstream \"[::1]x\""},
    {"upstream u { server http://127.0.0.1; }",
     "D/nginx.conf:3: invalid host in upstream \"http://127.0.0.1\""},
    {"upstream u { server 127.0.0.1/x; }",
     "D/nginx.conf:3: invalid host in upstream \"127.0.0.1/x\""},
    {"upstream u { server 127.0.0.1?x; }",
     "D/nginx.conf:3: invalid host in upstream \"127.0.0.1?x\""},
    {"upstream u { server \"\"; }", "D/nginx.conf:3: no host in upstream \"\""},
    {"upstream u { server :80; }", "D/nginx.conf:3: no host in upstream \":80\""},
    {"upstream u { server [fe80::1%lo]:80; }",
     "D/nginx.conf:3: invalid IPv6 address in upstream \"[fe80::1%lo]:80\""},
    {"upstream u { server nosuchhost.invalid; }",
     "D/nginx.conf:3: host not found in upstream \"nosuchhost.invalid\""},
    // Parameters are read before the address, as nginx does.
    {"upstream u { server nosuchhost.invalid foo; }", "D/nginx.conf:3: invalid parameter \"foo\""},
    // Accepted by nginx too.
    {"upstream u { server 127.0.0.1 weight=1 weight=2 max_fails=0 fail_timeout=1h30m; }", "ok"},
    {"upstream u { server 127.0.0.1:080 max_conns=0; server [::1]; server unix:/tmp/a:b; }", "ok"},
    {"upstream u { server localhost:65535 down; server 127.0.0.2 backup down; least_conn; }", "ok"},
    {"upstream u { ip_hash; server 127.0.0.1 weight=2 down max_conns=3; }", "ok"},
    {"upstream u:80 { server 127.0.0.1; }", "ok"},
    {"upstream u { hash \"\"; server 127.0.0.1; }", "ok"},
    {"upstream u { server 127.0.0.1; ip_hash; least_conn; }", "ok"},  // nginx: a warning
    {"upstream u { zone shared 64k; server 127.0.0.1; }", "ok"},
    // Strata's own.
    {"upstream u { random; server 127.0.0.1; }",
     "D/nginx.conf:3: \"random\" directive is not supported yet"},
};

class UpstreamNginxCases : public UpstreamConfigTest, public ::testing::WithParamInterface<Case> {};

TEST_P(UpstreamNginxCases, AsNginxTest) {
    EXPECT_EQ(error_of(GetParam().http_body), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(Table, UpstreamNginxCases, ::testing::ValuesIn(kNginxCases));

TEST_F(UpstreamConfigTest, ServerDefaultsAreNginxs) {
    const auto g = group("upstream u { server 127.0.0.1:8080; }");
    EXPECT_EQ(g->name, "u");
    EXPECT_EQ(g->where.line, 3);
    EXPECT_EQ(g->method, BalanceMethod::round_robin);
    EXPECT_FALSE(g->hash_key.has_value());
    ASSERT_EQ(g->peers.size(), 1u);
    const UpstreamPeer& p = g->peers[0];
    EXPECT_EQ(p.server, "127.0.0.1:8080");
    EXPECT_EQ(p.name, "127.0.0.1:8080");
    EXPECT_EQ(p.weight, 1);
    EXPECT_EQ(p.max_fails, 1);
    EXPECT_EQ(p.fail_timeout, std::chrono::seconds(10));
    EXPECT_EQ(p.max_conns, 0);
    EXPECT_FALSE(p.backup);
    EXPECT_FALSE(p.down);
    EXPECT_EQ(p.address.storage.ss_family, AF_INET);
    EXPECT_EQ(p.address.port(), 8080);
    EXPECT_EQ(g->keepalive.connections, 0);
    EXPECT_EQ(g->keepalive.requests, 1000);
    EXPECT_EQ(g->keepalive.timeout, std::chrono::seconds(60));
    EXPECT_EQ(g->keepalive.time, std::chrono::hours(1));
}

TEST_F(UpstreamConfigTest, ParametersAreReadInto) {
    const auto g = group(
        "upstream u {\n"
        "  server 127.0.0.1:81 weight=5 max_fails=3 fail_timeout=1m max_conns=7;\n"
        "  server [::1]:82 down;\n"
        "  server unix:/run/app.sock backup;\n"
        "}");
    ASSERT_EQ(g->peers.size(), 3u);
    EXPECT_EQ(g->peers[0].weight, 5);
    EXPECT_EQ(g->peers[0].max_fails, 3);
    EXPECT_EQ(g->peers[0].fail_timeout, std::chrono::seconds(60));
    EXPECT_EQ(g->peers[0].max_conns, 7);
    EXPECT_EQ(g->peers[0].where.line, 4);
    EXPECT_EQ(g->peers[1].name, "[::1]:82");
    EXPECT_EQ(g->peers[1].address.storage.ss_family, AF_INET6);
    EXPECT_TRUE(g->peers[1].down);
    EXPECT_EQ(g->peers[2].name, "unix:/run/app.sock");
    EXPECT_EQ(g->peers[2].address.storage.ss_family, AF_UNIX);
    EXPECT_TRUE(g->peers[2].backup);
}

TEST_F(UpstreamConfigTest, AHostNameBecomesOnePeerPerAddress) {
    const auto g = group("upstream u { server localhost:9000 weight=2; }");
    ASSERT_FALSE(g->peers.empty());
    for (const UpstreamPeer& p : g->peers) {
        EXPECT_EQ(p.server, "localhost:9000");  // each keeps the name it was written as
        EXPECT_EQ(p.weight, 2);
        EXPECT_EQ(p.address.port(), 9000);
        EXPECT_TRUE(p.name == "127.0.0.1:9000" || p.name == "[::1]:9000") << p.name;
    }
}

TEST_F(UpstreamConfigTest, AServerWithoutAPortUsesEighty) {
    const auto g = group("upstream u { server 127.0.0.1; }");
    EXPECT_EQ(g->peers[0].name, "127.0.0.1:80");
    EXPECT_EQ(g->peers[0].server, "127.0.0.1");
}

TEST_F(UpstreamConfigTest, MethodsAndTheLastOneCounts) {
    EXPECT_EQ(group("upstream u { least_conn; server 127.0.0.1; }")->method,
              BalanceMethod::least_conn);
    EXPECT_EQ(group("upstream u { ip_hash; server 127.0.0.1; }")->method, BalanceMethod::ip_hash);
    EXPECT_EQ(group("upstream u { server 127.0.0.1; least_conn; ip_hash; }")->method,
              BalanceMethod::ip_hash);
    const auto hashed = group("upstream u { hash $remote_addr$uri; server 127.0.0.1; }");
    EXPECT_EQ(hashed->method, BalanceMethod::hash);
    ASSERT_TRUE(hashed->hash_key.has_value());
    ASSERT_EQ(hashed->hash_key->parts.size(), 2u);
    EXPECT_EQ(hashed->hash_key->parts[0].text, "remote_addr");
    EXPECT_EQ(hashed->hash_key->parts[1].text, "uri");
    const auto ring = group("upstream u { hash $uri consistent; server 127.0.0.1; }");
    EXPECT_EQ(ring->method, BalanceMethod::consistent_hash);
    EXPECT_TRUE(ring->hash_key.has_value());
    EXPECT_FALSE(group("upstream u { hash $uri; ip_hash; server 127.0.0.1; }")->hash_key);
}

TEST_F(UpstreamConfigTest, KeepaliveSettings) {
    const auto g = group(
        "upstream u { server 127.0.0.1; keepalive 16; keepalive_requests 50;"
        " keepalive_timeout 5s; keepalive_time 10m; }");
    EXPECT_EQ(g->keepalive.connections, 16);
    EXPECT_EQ(g->keepalive.requests, 50);
    EXPECT_EQ(g->keepalive.timeout, std::chrono::seconds(5));
    EXPECT_EQ(g->keepalive.time, std::chrono::minutes(10));
}

TEST_F(UpstreamConfigTest, UnknownVariablesInTheHashKeyAreRefusedAtLoad) {
    EXPECT_EQ(error_of("upstream u { hash $nosuch; server 127.0.0.1; }"),
              "D/nginx.conf:3: unknown \"nosuch\" variable");
}

TEST_F(UpstreamConfigTest, GroupsAreFoundWithoutRegardToCase) {
    auto config = load("upstream Backend { server 127.0.0.1; } upstream other { server [::1]; }");
    ASSERT_TRUE(config) << config.error().to_string();
    const UpstreamGroups& groups = config->http.upstreams;
    EXPECT_EQ(groups.size(), 2u);
    ASSERT_NE(find_upstream(groups, "backend"), nullptr);
    EXPECT_EQ(find_upstream(groups, "BACKEND")->name, "Backend");
    EXPECT_EQ(find_upstream(groups, "missing"), nullptr);
}

// "no servers in upstream" is found once the http block is read: an error nginx finds
// while reading (here a listen) comes first.
TEST_F(UpstreamConfigTest, ReadingErrorsComeBeforeTheNoServersCheck) {
    EXPECT_EQ(error_of("upstream u { server 127.0.0.1 backup; }\n"
                       "server { listen 80 bogus; }"),
              "D/nginx.conf:4: invalid parameter \"bogus\"");
}

}  // namespace
}  // namespace strata::web
