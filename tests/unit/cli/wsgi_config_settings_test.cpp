// A wsgi_config file's gunicorn settings mapped onto the front configuration: the app
// settings as defaults under the explicit directives, the others named as ignored.
#include "strata/cli/wsgi_config_settings.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace strata::cli {
namespace {

using python::SettingValue;
using python::WsgiSettings;

WsgiSettings file_setting(std::vector<std::pair<std::string, SettingValue>> values) {
    auto settings = WsgiSettings::defaults({});
    EXPECT_TRUE(settings.ok());
    for (const auto& [name, value] : values) {
        auto set = settings->set_from_config_file(name, value);
        EXPECT_TRUE(set.ok()) << name << ": " << (set.ok() ? "" : set.error());
    }
    return std::move(settings).value();
}

web::MainConfig two_mounts() {
    web::MainConfig main;
    main.prefix = "/srv/site/";
    web::ServerConfig server;
    web::LocationConfig plain;
    plain.app.emplace();
    plain.app->app = "a:app";
    web::LocationConfig explicit_threads = plain;
    explicit_threads.app->threads = 2;
    explicit_threads.app->threads_set = true;
    plain.children.push_back(explicit_threads);  // nested locations are reached too
    server.locations.push_back(plain);
    main.http.servers.push_back(server);
    return main;
}

TEST(WsgiConfigSettings, AppSettingsBecomeDefaults) {
    web::MainConfig main = two_mounts();
    auto ignored =
        apply_wsgi_config_settings(file_setting({{"threads", int64_t{4}},
                                                 {"timeout", int64_t{7}},
                                                 {"max_requests", int64_t{100}},
                                                 {"max_requests_jitter", int64_t{10}},
                                                 {"chdir", std::string("/tmp")},
                                                 {"pythonpath", std::string("lib,/opt/more")},
                                                 {"raw_env", std::vector<std::string>{"A=1"}},
                                                 {"preload_app", true}}),
                                   main);
    EXPECT_TRUE(ignored.empty());
    const web::LocationConfig& plain = main.http.servers[0].locations[0];
    EXPECT_EQ(plain.app->threads, 4u);
    EXPECT_EQ(plain.children[0].app->threads, 2u);  // wsgi_threads wins
    const web::AppRuntime& runtime = main.http.app_runtime;
    EXPECT_EQ(runtime.timeout_ms, 7000u);
    EXPECT_EQ(runtime.max_requests, 100u);
    EXPECT_EQ(runtime.max_requests_jitter, 10u);
    EXPECT_EQ(runtime.chdir, "/tmp");
    // gunicorn makes pythonpath entries absolute against chdir.
    EXPECT_EQ(runtime.pythonpath, (std::vector<std::string>{"/tmp/lib", "/opt/more"}));
}

TEST(WsgiConfigSettings, ExplicitDirectivesWin) {
    web::MainConfig main = two_mounts();
    web::AppRuntime& runtime = main.http.app_runtime;
    runtime.timeout_ms = 5000;
    runtime.timeout_set = true;
    runtime.max_requests = 3;
    runtime.max_requests_set = true;
    runtime.chdir = "/var/apps";
    runtime.pythonpath = {"/var/lib"};
    apply_wsgi_config_settings(file_setting({{"timeout", int64_t{7}},
                                             {"max_requests", int64_t{100}},
                                             {"max_requests_jitter", int64_t{10}},
                                             {"chdir", std::string("/")},
                                             {"pythonpath", std::string("/x")}}),
                               main);
    EXPECT_EQ(runtime.timeout_ms, 5000u);
    EXPECT_EQ(runtime.max_requests, 3u);
    EXPECT_EQ(runtime.max_requests_jitter, 0u);  // it belongs to the file's limit
    EXPECT_EQ(runtime.chdir, "/var/apps");
    EXPECT_EQ(runtime.pythonpath, std::vector<std::string>{"/var/lib"});
}

TEST(WsgiConfigSettings, DefaultsTheFileDidNotSetChangeNothing) {
    web::MainConfig main = two_mounts();
    EXPECT_TRUE(apply_wsgi_config_settings(file_setting({}), main).empty());
    EXPECT_EQ(main.http.servers[0].locations[0].app->threads, 1u);
    EXPECT_EQ(main.http.app_runtime.timeout_ms, 30'000u);
    EXPECT_TRUE(main.http.app_runtime.chdir.empty());  // gunicorn's default is the cwd
}

TEST(WsgiConfigSettings, SettingsTheNginxConfigurationDecidesAreNamed) {
    web::MainConfig main = two_mounts();
    auto ignored =
        apply_wsgi_config_settings(file_setting({{"workers", int64_t{9}},
                                                 {"bind", std::vector<std::string>{"0.0.0.0:80"}},
                                                 {"threads", int64_t{2}},
                                                 {"loglevel", std::string("debug")},
                                                 {"keepalive", int64_t{5}}}),
                                   main);
    // gunicorn's order of its settings, not the file's.
    EXPECT_EQ(ignored, (std::vector<std::string>{"bind", "workers", "keepalive", "loglevel"}));
}

}  // namespace
}  // namespace strata::cli
