// Settings inherit http → server → location explicitly, then take nginx's defaults.
#include "strata/web/http_config.h"

#include <gtest/gtest.h>

#include "strata/base/version.h"
#include "strata/config/parser.h"
#include "strata/web/config_builder.h"
#include "strata/web/content_type.h"
#include "strata/web/virtual_hosts.h"

namespace strata::web {
namespace {

TEST(HttpConfigMerge, ChildKeepsWhatItSetsAndInheritsTheRest) {
    LocationSettings http, server, location;
    http.root = VariableText("/srv/www");
    http.gzip = true;
    server.root = VariableText("/srv/site");
    location.index = std::vector<std::string>{"home.html"};
    merge(server, http);
    merge(location, server);
    apply_defaults(location);
    EXPECT_EQ(location.root->text, "/srv/site");
    EXPECT_TRUE(*location.gzip);
    EXPECT_EQ(location.index->front(), "home.html");
    EXPECT_EQ(*location.default_type, "text/plain");  // nginx's default_type default
    EXPECT_EQ(*location.client_max_body_size, 1024u * 1024);
    EXPECT_EQ(*location.keepalive_timeout_ms, 75'000u);
    EXPECT_FALSE(*location.sendfile);
    EXPECT_EQ(*location.if_modified_since, IfModifiedSince::exact);
}

// nginx's add_header and error_page are inherited only when a level sets none.
TEST(HttpConfigMerge, ListsAreInheritedWholeOrNotAtAll) {
    LocationSettings server, location;
    server.add_headers = std::vector<AddedHeader>{{"X-Server", "1", false}};
    server.error_pages = std::map<int, ErrorPage>{{404, {0, "/404.html"}}};
    location.add_headers = std::vector<AddedHeader>{{"X-Location", "1", false}};
    merge(location, server);
    ASSERT_EQ(location.add_headers->size(), 1u);
    EXPECT_EQ(location.add_headers->front().name, "X-Location");
    EXPECT_EQ(location.error_pages->at(404).uri, "/404.html");
}

TEST(ContentType, FromTypesMapCaseInsensitiveElseDefault) {
    LocationSettings s;
    s.types = std::make_shared<const MimeTypes>(
        MimeTypes{{"css", "text/css"},
                  {"html", "text/html"},
                  {"averyveryverylongextensionbeyondthirtytwo", "x/long"}});
    apply_defaults(s);
    s.default_type = "application/octet-stream";
    EXPECT_EQ(content_type_for("/a/style.CSS", s), "text/css");
    EXPECT_EQ(content_type_for("/index.html", s), "text/html");
    EXPECT_EQ(content_type_for("/README", s), "application/octet-stream");
    EXPECT_EQ(content_type_for("/dir.d/file", s), "application/octet-stream");
    EXPECT_EQ(content_type_for("/f.AveryveryverylongextensionbeyondthirtyTWO", s), "x/long");
}

ServerConfig server_listening(std::vector<std::pair<std::string, bool>> listens) {
    ServerConfig s;
    for (auto& [text, is_default] : listens) {
        ListenConfig l;
        l.text = text;
        l.address = net::parse_listen_address(text).value();
        l.default_server = is_default;
        s.listens.push_back(l);
    }
    return s;
}

TEST(VirtualHosts, GroupsServersByAddressWithTheirDefault) {
    HttpConfig http;
    http.servers.push_back(server_listening({{"8080", false}}));
    http.servers.push_back(server_listening({{"8080", true}, {"127.0.0.1:9090", false}}));
    http.servers.push_back(server_listening({{"127.0.0.1:9090", false}}));
    auto groups = group_by_listen_address(http);
    ASSERT_EQ(groups.size(), 2u);
    EXPECT_EQ(address_key(groups[0].listen.address), "*:8080");
    EXPECT_EQ(groups[0].servers.size(), 2u);
    EXPECT_EQ(groups[0].default_server, &http.servers[1]);
    EXPECT_EQ(address_key(groups[1].listen.address), "127.0.0.1:9090");
    EXPECT_EQ(groups[1].default_server, &http.servers[1]);  // the first, without default_server
    EXPECT_EQ(groups[1].servers.size(), 2u);
}

}  // namespace
}  // namespace strata::web

namespace strata::web {
namespace {

// The gzip options a request uses are compiled once per level at load, gzip_disable's
// regexes included.
TEST(HttpConfigLoad, GzipOptionsAreCompiledPerLevel) {
    auto tree = config::parse_text(
        "http { gzip on; gzip_disable \"^curl\"; server { listen 127.0.0.1:1;"
        " location / { gzip_min_length 100; } } }",
        "test.conf");
    ASSERT_TRUE(tree.ok());
    auto main = build_main_config(tree.value(), "/tmp/");
    ASSERT_TRUE(main.ok()) << main.error().message;
    const LocationSettings& location = main->http.servers.at(0).locations.at(0).settings;
    ASSERT_NE(location.gzip_compiled, nullptr);
    EXPECT_TRUE(location.gzip_compiled->enabled);
    EXPECT_EQ(location.gzip_compiled->min_length, 100u);
    ASSERT_TRUE(location.gzip_compiled->disable_user_agent);
    EXPECT_TRUE(location.gzip_compiled->disable_user_agent("curl/8.0"));
    EXPECT_FALSE(location.gzip_compiled->disable_user_agent("Mozilla/5.0"));
    EXPECT_EQ(main->http.servers.at(0).settings.gzip_compiled->min_length, 20u);
}

}  // namespace
}  // namespace strata::web

namespace strata::web {
namespace {

Result<MainConfig, config::ConfigError> load(const std::string& http_block) {
    auto tree = config::parse_text("http { " + http_block + " }", "test.conf");
    if (!tree.ok()) return Err{tree.error()};
    return build_main_config(tree.value(), "/tmp/");
}

// nginx's nested locations take their parent's alias unless they set root or alias.
TEST(HttpConfigLoad, NestedLocationsInheritTheAlias) {
    auto main = load(
        "server { listen 127.0.0.1:1; location /files/ { alias /srv/data/;"
        " location ~ \\.txt$ { } location /files/own/ { root /srv/own; } } }");
    ASSERT_TRUE(main.ok()) << main.error().message;
    const LocationConfig& files = main->http.servers[0].locations[0];
    ASSERT_TRUE(files.alias);
    EXPECT_EQ(files.alias->path.text, "/srv/data/");
    EXPECT_EQ(files.alias->replaces, 7u);  // "/files/"
    ASSERT_EQ(files.children.size(), 2u);
    ASSERT_TRUE(files.children[0].alias);
    EXPECT_EQ(files.children[0].alias->path.text, "/srv/data/");
    EXPECT_EQ(files.children[0].alias->replaces, 7u);  // the parent's prefix, not the regex
    EXPECT_FALSE(files.children[1].alias);
}

// Each level's connection options are resolved at load, inherited http → server →
// location as nginx merges them.
TEST(HttpConfigLoad, ConnectionOptionsAreResolvedPerLevel) {
    auto main = load(
        "keepalive_timeout 30s 20s; client_max_body_size 0; server_tokens off;"
        " server { listen 127.0.0.1:1; send_timeout 5s; keepalive_requests 7;"
        "   location / { keepalive_timeout 0; client_max_body_size 2k; server_tokens on; }"
        "   location /up { client_body_timeout 3s; } } ");
    ASSERT_TRUE(main.ok()) << main.error().message;
    const ServerConfig& server = main->http.servers.at(0);
    const net::RequestOptions& s = *server.settings.request_options;
    EXPECT_EQ(s.keepalive_timeout_ms, 30'000u);
    EXPECT_EQ(s.keepalive_header, "timeout=20");
    EXPECT_EQ(s.body_limit, http::kUnlimitedBody);  // 0: no limit
    EXPECT_EQ(s.server_token, "strata");
    EXPECT_EQ(s.send_timeout_ms, 5'000u);
    EXPECT_EQ(s.keepalive_requests, 7u);
    const net::RequestOptions& root = *server.locations.at(0).settings.request_options;
    EXPECT_EQ(root.keepalive_timeout_ms, 0u);
    EXPECT_EQ(root.keepalive_header, "");  // set with its timeout, never inherited apart
    EXPECT_EQ(root.body_limit, 2048u);
    EXPECT_EQ(root.server_token, kServerToken);
    EXPECT_EQ(root.send_timeout_ms, 5'000u);
    const net::RequestOptions& up = *server.locations.at(1).settings.request_options;
    EXPECT_EQ(up.client_body_timeout_ms, 3'000u);
    EXPECT_EQ(up.keepalive_header, "timeout=20");
}

TEST(HttpConfigLoad, HeaderSettingsAreInheritedFromHttp) {
    auto main = load(
        "client_header_timeout 7s; large_client_header_buffers 4 2k;"
        " server { listen 127.0.0.1:1; }"
        " server { listen 127.0.0.1:2; client_header_timeout 3s; } ");
    ASSERT_TRUE(main.ok()) << main.error().message;
    EXPECT_EQ(*main->http.servers.at(0).settings.client_header_timeout_ms, 7'000u);
    EXPECT_EQ(*main->http.servers.at(0).settings.large_header_buffer_size, 2048u);
    EXPECT_EQ(*main->http.servers.at(1).settings.client_header_timeout_ms, 3'000u);
    auto defaults = load("server { listen 127.0.0.1:1; }");
    ASSERT_TRUE(defaults.ok());
    EXPECT_EQ(*defaults->http.servers.at(0).settings.client_header_timeout_ms, 60'000u);
    EXPECT_EQ(*defaults->http.servers.at(0).settings.large_header_buffer_size, 8192u);
}

// A location's request bodies spool past its client_body_buffer_size into its
// client_body_temp_path (relative: under the prefix); nginx's 16k by default.
TEST(HttpConfigLoad, BodyBufferAndTempPathArePerLevel) {
    auto main = load(
        "client_body_temp_path body_temp 1 2;"
        " server { listen 127.0.0.1:1; client_body_buffer_size 1m;"
        "   location / { client_body_temp_path /var/spool/up; client_body_buffer_size 0; }"
        "   location /in { } } ");
    ASSERT_TRUE(main.ok()) << main.error().message;
    const ServerConfig& server = main->http.servers.at(0);
    EXPECT_EQ(server.settings.request_options->body_memory_limit, 1u << 20);
    EXPECT_EQ(server.settings.request_options->body_temp_dir, "/tmp/body_temp");
    const net::RequestOptions& root = *server.locations.at(0).settings.request_options;
    EXPECT_EQ(root.body_memory_limit, 0u);
    EXPECT_EQ(root.body_temp_dir, "/var/spool/up");
    const net::RequestOptions& in = *server.locations.at(1).settings.request_options;
    EXPECT_EQ(in.body_memory_limit, 1u << 20);
    EXPECT_EQ(in.body_temp_dir, "/tmp/body_temp");
    auto defaults = load("server { listen 127.0.0.1:1; }");
    ASSERT_TRUE(defaults.ok());
    const net::RequestOptions& d = *defaults->http.servers.at(0).settings.request_options;
    EXPECT_EQ(d.body_memory_limit, 16u * 1024);
    EXPECT_EQ(d.body_temp_dir, "/tmp");
}

}  // namespace
}  // namespace strata::web
