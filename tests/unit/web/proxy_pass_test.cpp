// proxy_pass URLs taken apart, and bound to their groups, with nginx's errors.
#include "strata/web/proxy_pass.h"

#include <gtest/gtest.h>

namespace strata::web {
namespace {

TEST(ProxyUrl, HostPortAndUri) {
    auto url = parse_proxy_url("http://127.0.0.1:8080/app/?x");
    ASSERT_TRUE(url);
    EXPECT_EQ(url->host, "127.0.0.1");
    EXPECT_EQ(url->port, 8080);
    EXPECT_EQ(url->uri, "/app/?x");
    EXPECT_EQ(url->proxy_host, "127.0.0.1:8080");
    EXPECT_EQ(url->proxy_port, "8080");
}

TEST(ProxyUrl, DefaultPortIsLeftOutOfHost) {
    auto url = parse_proxy_url("HTTP://Backend");
    ASSERT_TRUE(url);
    EXPECT_EQ(url->host, "Backend");
    EXPECT_FALSE(url->port);
    EXPECT_FALSE(url->uri);
    EXPECT_EQ(url->proxy_host, "Backend");
    EXPECT_EQ(url->proxy_port, "80");
    auto explicit80 = parse_proxy_url("http://a:80/");
    ASSERT_TRUE(explicit80);
    EXPECT_EQ(explicit80->proxy_host, "a");
    EXPECT_EQ(explicit80->uri, "/");
}

TEST(ProxyUrl, Ipv6) {
    auto url = parse_proxy_url("http://[::1]:9000/x");
    ASSERT_TRUE(url);
    EXPECT_EQ(url->host, "[::1]");
    EXPECT_EQ(url->port, 9000);
    EXPECT_EQ(url->proxy_host, "[::1]:9000");
}

TEST(ProxyUrl, UnixSocket) {
    auto url = parse_proxy_url("http://unix:/run/app.sock:/api/");
    ASSERT_TRUE(url);
    EXPECT_TRUE(url->is_unix);
    EXPECT_EQ(url->host, "/run/app.sock");
    EXPECT_EQ(url->uri, "/api/");
    EXPECT_EQ(url->proxy_host, "localhost");
    auto bare = parse_proxy_url("http://unix:/run/app.sock");
    ASSERT_TRUE(bare);
    EXPECT_FALSE(bare->uri);
}

TEST(ProxyUrl, NginxErrors) {
    EXPECT_EQ(parse_proxy_url("ftp://x").error(), "invalid URL prefix");
    EXPECT_EQ(parse_proxy_url("backend").error(), "invalid URL prefix");
    EXPECT_EQ(parse_proxy_url("http://a:0/").error(), "invalid port");
    EXPECT_EQ(parse_proxy_url("http:///x").error(), "no host");
    EXPECT_EQ(parse_proxy_url("http://unix:").error(), "no path in the unix domain socket");
}

config::Directive proxy_pass(std::string url) {
    config::Directive d;
    d.name = "proxy_pass";
    d.args = {std::move(url)};
    d.where = {"nginx.conf", 7};
    return d;
}

TEST(BuildProxyPass, UriPartRefusedWhereNginxRefusesIt) {
    ProxyPass pass;
    auto status = build_proxy_pass(proxy_pass("http://b/x"), std::nullopt, pass);
    ASSERT_FALSE(status);
    EXPECT_EQ(status.error().message,
              "\"proxy_pass\" cannot have URI part in location given by regular expression, or "
              "inside named location, or inside \"if\" statement, or inside \"limit_except\" "
              "block");
    ProxyPass ok;
    EXPECT_TRUE(build_proxy_pass(proxy_pass("http://b"), std::nullopt, ok));
    EXPECT_TRUE(build_proxy_pass(proxy_pass("http://b/x/"), "/app/", ok));
    EXPECT_EQ(ok.location_prefix, "/app/");
}

TEST(BuildProxyPass, VariablesAreKeptForLater) {
    ProxyPass pass;
    ASSERT_TRUE(build_proxy_pass(proxy_pass("http://$host$request_uri"), std::nullopt, pass));
    EXPECT_TRUE(pass.variables);
}

TEST(BuildProxyPass, BadPrefix) {
    ProxyPass pass;
    auto status = build_proxy_pass(proxy_pass("backend:80"), "/", pass);
    ASSERT_FALSE(status);
    EXPECT_EQ(status.error().message, "invalid URL prefix");
}

TEST(BindProxyPass, NamesAnUpstreamOrMakesAnImplicitGroup) {
    UpstreamGroups groups;
    auto backend = std::make_shared<UpstreamGroup>();
    backend->name = "Backend";
    groups["backend"] = backend;
    ImplicitUpstreams implicit;

    ProxyPass named;
    ASSERT_TRUE(build_proxy_pass(proxy_pass("http://BACKEND/x/"), "/", named));
    ASSERT_TRUE(bind_proxy_pass(named, groups, implicit));
    EXPECT_EQ(named.group.get(), backend.get());

    ProxyPass with_port;
    ASSERT_TRUE(build_proxy_pass(proxy_pass("http://backend:8080"), "/", with_port));
    auto refused = bind_proxy_pass(with_port, groups, implicit);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().message, "upstream \"backend\" may not have port 8080");

    ProxyPass a, b;
    ASSERT_TRUE(build_proxy_pass(proxy_pass("http://127.0.0.1:9/"), "/", a));
    ASSERT_TRUE(build_proxy_pass(proxy_pass("http://127.0.0.1:9/other/"), "/o/", b));
    ASSERT_TRUE(bind_proxy_pass(a, groups, implicit));
    ASSERT_TRUE(bind_proxy_pass(b, groups, implicit));
    EXPECT_EQ(a.group.get(), b.group.get());  // one implicit group per address
    ASSERT_EQ(a.group->peers.size(), 1u);
    EXPECT_EQ(a.group->peers[0].name, "127.0.0.1:9");
}

TEST(FindProxyGroup, PerRequestUrls) {
    UpstreamGroups groups;
    groups["backend"] = std::make_shared<UpstreamGroup>();
    ImplicitUpstreams implicit;
    EXPECT_TRUE(find_proxy_group(parse_proxy_url("http://backend/x").value(), groups, implicit));
    EXPECT_FALSE(
        find_proxy_group(parse_proxy_url("http://backend:81/x").value(), groups, implicit));
    EXPECT_FALSE(find_proxy_group(parse_proxy_url("http://other/x").value(), groups, implicit));
    EXPECT_TRUE(literal_group(parse_proxy_url("http://127.0.0.1:81/x").value()));
    EXPECT_TRUE(literal_group(parse_proxy_url("http://unix:/tmp/x.sock").value()));
    EXPECT_FALSE(literal_group(parse_proxy_url("http://example.invalid/").value()));
}

}  // namespace
}  // namespace strata::web
