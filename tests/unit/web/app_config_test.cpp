// wsgi_app and its settings in the front server's configuration, and their errors (the
// schema's own — placement, duplicates — are checked by `strata -t` in the e2e tests).
#include "strata/web/app_config.h"

#include <gtest/gtest.h>

#include "strata/config/parser.h"
#include "strata/web/config_builder.h"
#include "strata/web/mounted_apps.h"

namespace strata::web {
namespace {

Result<MainConfig, config::ConfigError> load(const std::string& http_block) {
    auto tree = config::parse_text("http {\n" + http_block + "\n}", "apps.conf");
    if (!tree.ok()) return Err{tree.error()};
    return build_main_config(tree.value(), "/srv/site/");
}

std::string error_of(const std::string& http_block) {
    auto loaded = load(http_block);
    return loaded.ok()
               ? "(loaded)"
               : loaded.error().where.file + ":" + std::to_string(loaded.error().where.line) +
                     ": " + loaded.error().message;
}

TEST(AppConfig, MountsWithTheirSettingsAndTheRuntime) {
    auto main = load(
        "wsgi_chdir apps; wsgi_pythonpath lib; wsgi_pythonpath /opt/more;"
        " wsgi_python_home /opt/venv; wsgi_timeout 1m; wsgi_max_requests 500;\n"
        "server { listen 127.0.0.1:1;\n"
        " location @app { wsgi_app flask_app:app; }\n"
        " location /raw/ { wsgi_app raw:app; wsgi_root_path /raw/; wsgi_threads 4;"
        " wsgi_intercept_errors on; location /raw/deep/ { wsgi_app deep:app; } } }");
    ASSERT_TRUE(main.ok()) << main.error().message;
    const AppRuntime& runtime = main->http.app_runtime;
    EXPECT_EQ(runtime.chdir, "/srv/site/apps");  // relative to the prefix, as nginx's paths
    EXPECT_EQ(runtime.pythonpath, (std::vector<std::string>{"/srv/site/lib", "/opt/more"}));
    EXPECT_EQ(runtime.python_home, "/opt/venv");
    EXPECT_EQ(runtime.timeout_ms, 60'000u);
    EXPECT_EQ(runtime.max_requests, 500u);
    std::vector<const AppMount*> mounts = app_mounts(main->http);
    ASSERT_EQ(mounts.size(), 3u);
    EXPECT_EQ(mounts[0]->app, "flask_app:app");
    EXPECT_EQ(mounts[0]->root_path, "");
    EXPECT_EQ(mounts[0]->threads, 1u);
    EXPECT_FALSE(mounts[0]->intercept_errors);
    EXPECT_EQ(mounts[1]->app, "raw:app");
    EXPECT_EQ(mounts[1]->root_path, "/raw");  // SCRIPT_NAME has no final slash
    EXPECT_EQ(mounts[1]->threads, 4u);
    EXPECT_TRUE(mounts[1]->intercept_errors);
    EXPECT_EQ(mounts[1]->where.line, 5);
    EXPECT_EQ(mounts[2]->app, "deep:app");  // nested: the mount is not inherited settings
    EXPECT_NE(mounts[1]->key(), mounts[2]->key());
}

TEST(AppConfig, GunicornsDefaultLimits) {
    auto main = load("server { listen 127.0.0.1:1; }");
    ASSERT_TRUE(main.ok());
    EXPECT_EQ(main->http.app_runtime.timeout_ms, 30'000u);  // gunicorn's --timeout
    EXPECT_EQ(main->http.app_runtime.max_requests, 0u);
}

TEST(AppConfig, ErrorsNameTheFileAndLine) {
    EXPECT_EQ(error_of("server { listen 127.0.0.1:1;\nlocation / { wsgi_threads 2; } }"),
              "apps.conf:3: \"wsgi_app\" is missing in the location");
    EXPECT_EQ(error_of("server { listen 127.0.0.1:1;\nlocation / { wsgi_app a:b;\n"
                       "wsgi_root_path app; } }"),
              "apps.conf:4: \"wsgi_root_path\" must start with \"/\"");
    EXPECT_EQ(error_of("server { listen 127.0.0.1:1;\nlocation / { wsgi_app a:b;"
                       " wsgi_threads 0; } }"),
              "apps.conf:3: invalid value \"0\"");
}

}  // namespace
}  // namespace strata::web

namespace strata::web {
namespace {

TEST(AppConfig, WsgiConfigInGunicornsFormsAgainstThePrefix) {
    auto main = load(
        "wsgi_config conf/gunicorn.conf.py;\n"
        "server { listen 127.0.0.1:1; location / { wsgi_app a:app; } }");
    ASSERT_TRUE(main.ok()) << main.error().message;
    EXPECT_EQ(main->http.app_runtime.config_file, "/srv/site/conf/gunicorn.conf.py");
    EXPECT_EQ(main->http.app_runtime.config_where.line, 2);  // "http {" is line 1
    EXPECT_EQ(config_file_location("file:g.py", "/p/"), "file:/p/g.py");
    EXPECT_EQ(config_file_location("file:/etc/g.py", "/p/"), "file:/etc/g.py");
    EXPECT_EQ(config_file_location("/etc/g.py", "/p/"), "/etc/g.py");
    EXPECT_EQ(config_file_location("python:pkg.conf", "/p/"), "python:pkg.conf");
}

TEST(AppConfig, ExplicitSettingsAreMarkedForWsgiConfig) {
    auto main = load(
        "wsgi_timeout 5s;\n"
        "server { listen 127.0.0.1:1; location /a { wsgi_app a:app; }\n"
        " location /b { wsgi_app a:app; wsgi_threads 2; } }");
    ASSERT_TRUE(main.ok()) << main.error().message;
    EXPECT_TRUE(main->http.app_runtime.timeout_set);
    EXPECT_FALSE(main->http.app_runtime.max_requests_set);
    std::vector<const AppMount*> mounts = app_mounts(main->http);
    ASSERT_EQ(mounts.size(), 2u);
    EXPECT_FALSE(mounts[0]->threads_set);
    EXPECT_TRUE(mounts[1]->threads_set);
}

}  // namespace
}  // namespace strata::web
