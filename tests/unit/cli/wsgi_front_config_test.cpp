// `strata wsgi`'s flags as the front server's configuration: one server on the binds,
// the app mounted at `/`, gunicorn's app settings at the http level.
#include "strata/cli/wsgi_front_config.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace strata::cli {
namespace {

python::WsgiSettings flags(std::vector<std::pair<std::string, python::SettingValue>> values) {
    auto settings = python::WsgiSettings::defaults({});
    EXPECT_TRUE(settings.ok());
    for (const auto& [name, value] : values) {
        auto set = settings->set_from_config_file(name, value);
        EXPECT_TRUE(set.ok()) << name << ": " << (set.ok() ? "" : set.error());
    }
    return std::move(settings).value();
}

std::vector<process::Listen> two_binds() {
    std::vector<process::Listen> binds(2);
    binds[0].address.host = "127.0.0.1";
    binds[0].address.port = 8000;
    binds[1].address.unix_path = "/tmp/app.sock";
    return binds;
}

TEST(WsgiFrontConfig, MountsTheAppAtTheRootOfOneServerOnEveryBind) {
    auto main = front_config_of(flags({{"workers", int64_t{3}}, {"threads", int64_t{4}}}),
                                "flask_app:app", two_binds());
    EXPECT_EQ(main->worker_processes, 3);
    ASSERT_EQ(main->http.servers.size(), 1u);
    const web::ServerConfig& server = main->http.servers[0];
    ASSERT_EQ(server.listens.size(), 2u);
    EXPECT_EQ(server.listens[0].address.port, 8000);
    EXPECT_TRUE(server.listens[0].default_server);
    EXPECT_EQ(server.listens[1].address.unix_path, "/tmp/app.sock");
    ASSERT_EQ(server.locations.size(), 1u);
    const web::LocationConfig& root = server.locations[0];
    EXPECT_EQ(root.pattern.kind, web::LocationKind::prefix);
    EXPECT_EQ(root.pattern.uri, "/");
    ASSERT_TRUE(root.app.has_value());
    EXPECT_EQ(root.app->app, "flask_app:app");
    EXPECT_EQ(root.app->threads, 4u);
    EXPECT_EQ(root.app->root_path, "");
}

TEST(WsgiFrontConfig, GunicornsAppSettingsAreTheHttpLevels) {
    auto main = front_config_of(flags({{"timeout", int64_t{7}},
                                       {"max_requests", int64_t{100}},
                                       {"max_requests_jitter", int64_t{10}},
                                       {"chdir", std::string("/tmp")},
                                       {"pythonpath", std::string("lib,/opt/more")}}),
                                "app:app", two_binds());
    const web::AppRuntime& runtime = main->http.app_runtime;
    EXPECT_EQ(runtime.timeout_ms, 7000u);
    EXPECT_EQ(runtime.max_requests, 100u);
    EXPECT_EQ(runtime.max_requests_jitter, 10u);
    EXPECT_EQ(runtime.chdir, "/tmp");
    EXPECT_EQ(runtime.pythonpath, (std::vector<std::string>{"lib", "/opt/more"}));
    EXPECT_FALSE(runtime.thread_priority.has_value());  // gunicorn's threads: the worker's
}

TEST(WsgiFrontConfig, ZeroThreadsRunOneAndTheRootPathIsScriptName) {
    auto settings = flags({{"threads", int64_t{0}}});
    settings.root_path = "/mounted";
    auto main = front_config_of(settings, "app:app", two_binds());
    const web::AppMount& mount = *main->http.servers[0].locations[0].app;
    EXPECT_EQ(mount.threads, 1u);
    EXPECT_EQ(mount.root_path, "/mounted");
}

}  // namespace
}  // namespace strata::cli
