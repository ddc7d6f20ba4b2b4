#include "strata/config/loader.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "strata/config/core_directives.h"
#include "temp_config.h"

namespace strata::config {
namespace {

using testing::TempConfigDir;

// The seed configuration from issue 3, verbatim.
constexpr const char* kSeedConfig = R"(worker_processes  1;
events { worker_connections  1024; }
http {
    sendfile on; tcp_nopush on; tcp_nodelay on; keepalive_timeout 65;
    types_hash_max_size 2048;
    include mime.types; default_type application/octet-stream;
    access_log logs/access.log; error_log logs/error.log;
    gzip on; gzip_disable "msie6";
    server {
        listen 8080 default_server;
        listen [::]:8080 default_server ipv6only=on;
        root html; index index.html index.htm;
        server_name localhost;
        location / { try_files $uri $uri/ /index.html; }
    }
}
include servers/*;
)";

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// The example mime.types shipped with the seed.
std::string seed_mime_types() {
    return read_file(testing::source_root() + "/examples/seed/mime.types");
}

// "file:line" of a directive, or of a file and line.
std::string at(const Directive& directive) {
    return directive.where.file + ":" + std::to_string(directive.where.line);
}
std::string at(const Directive* directive) {
    return at(*directive);
}
std::string at(const std::string& file, int line) {
    return file + ":" + std::to_string(line);
}

const Directive* find(const std::vector<Directive>& directives, std::string_view name) {
    for (const Directive& directive : directives) {
        if (directive.name == name) return &directive;
    }
    return nullptr;
}

TEST(LoadConfig, SeedConfigLoadsWithoutServersFolder) {
    TempConfigDir dir;
    dir.write("mime.types", seed_mime_types());
    auto loaded = dir.load(kSeedConfig);
    ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
    const auto& top = loaded->directives;
    ASSERT_EQ(top.size(), 3u);  // worker_processes, events, http; the include is gone
    const Directive* http = find(top, "http");
    ASSERT_NE(http, nullptr);
    const Directive* types = find(http->block, "types");
    ASSERT_NE(types, nullptr);
    EXPECT_EQ(types->where.file, dir.path("mime.types"));
    EXPECT_EQ(types->block.front().name, "text/html");
    EXPECT_EQ(types->block.front().args, (std::vector<std::string>{"html", "htm", "shtml"}));
    EXPECT_GT(types->block.size(), 80u);
    EXPECT_EQ(find(http->block, "include"), nullptr);
    const Directive* server = find(http->block, "server");
    ASSERT_NE(server, nullptr);
    EXPECT_EQ(at(server), at(dir.path("nginx.conf"), 9));
    const Directive* location = find(server->block, "location");
    ASSERT_NE(location, nullptr);
    EXPECT_EQ(location->block.front().args,
              (std::vector<std::string>{"$uri", "$uri/", "/index.html"}));
    EXPECT_EQ(find(http->block, "gzip_disable")->quoted, std::vector<bool>{true});
}

TEST(LoadConfig, ShippedSeedExampleLoads) {
    const std::string seed = testing::source_root() + "/examples/seed/nginx.conf";
    EXPECT_EQ(read_file(seed), kSeedConfig);
    auto loaded = load_config(seed);
    ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
}

TEST(LoadConfig, SeedConfigWithServersIncluded) {
    TempConfigDir dir;
    dir.write("mime.types", "types { text/html html; }");
    dir.write("servers/b.conf", "http_b_marker;");
    dir.write("servers/a.conf", "events_a;");
    dir.make_dir("servers/empty");  // not matched by the pattern below
    auto error = dir.error_of(kSeedConfig);
    // Files come in sorted order: a.conf is read first, and is checked in main context.
    EXPECT_EQ(error, "D/servers/a.conf:1: unknown directive \"events_a\"");

    TempConfigDir ok;
    ok.write("mime.types", "types { text/html html; }");
    ok.write("servers/b.conf", "worker_rlimit_nofile 1024;");
    ok.write("servers/a.conf", "daemon off;");
    auto loaded = ok.load(kSeedConfig);
    ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
    const auto& top = loaded->directives;
    ASSERT_EQ(top.size(), 5u);
    EXPECT_EQ(top[3].name, "daemon");
    EXPECT_EQ(at(top[3]), at(ok.path("servers/a.conf"), 1));
    EXPECT_EQ(top[4].name, "worker_rlimit_nofile");
}

TEST(LoadConfig, EmptyServersFolderIsFine) {
    TempConfigDir dir;
    dir.write("mime.types", "types {}");
    dir.make_dir("servers");
    EXPECT_EQ(dir.error_of(kSeedConfig), "ok");
}

TEST(LoadConfig, MissingPlainIncludeIsFatal) {
    TempConfigDir dir;
    EXPECT_EQ(dir.error_of("events {}\nhttp { include nope.conf; }"),
              "D/nginx.conf:2: open() \"D/nope.conf\" failed (2: No such file or directory)");
}

TEST(LoadConfig, MissingMainFile) {
    auto loaded = load_config("/nonexistent/nginx.conf");
    ASSERT_FALSE(loaded.ok());
    EXPECT_EQ(loaded.error().to_string(),
              "open() \"/nonexistent/nginx.conf\" failed (2: No such file or directory)");
}

TEST(LoadConfig, IncludesSpliceIntoTheIncludingBlock) {
    TempConfigDir dir;
    dir.write("conf.d/gzip.conf", "gzip on;\ngzip_types text/css;\n");
    dir.write("conf.d/site.conf", "server {\n  include snippets/loc.conf;\n}\n");
    dir.write("snippets/loc.conf", "location / { return 200; }\n");
    auto loaded = dir.load("events {}\nhttp {\n  include conf.d/*.conf;\n  sendfile on;\n}\n");
    ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
    const Directive& http = loaded->directives[1];
    ASSERT_EQ(http.block.size(), 4u);
    EXPECT_EQ(http.block[0].name, "gzip");
    EXPECT_EQ(at(http.block[0]), at(dir.path("conf.d/gzip.conf"), 1));
    EXPECT_EQ(http.block[1].where.line, 2);
    EXPECT_EQ(http.block[2].name, "server");
    EXPECT_EQ(http.block[3].name, "sendfile");
    EXPECT_EQ(at(http.block[3]), at(dir.path("nginx.conf"), 4));
    const Directive& location = http.block[2].block.at(0);
    EXPECT_EQ(location.name, "location");
    EXPECT_EQ(location.where.file, dir.path("snippets/loc.conf"));
}

TEST(LoadConfig, DuplicatesCountAcrossIncludedFiles) {
    TempConfigDir dir;
    dir.write("a.conf", "sendfile on;\n");
    EXPECT_EQ(dir.error_of("events {}\nhttp {\n  include a.conf;\n  sendfile off;\n}\n"),
              "D/nginx.conf:4: \"sendfile\" directive is duplicate");
}

TEST(LoadConfig, ErrorsInIncludedFilesNameThem) {
    TempConfigDir dir;
    dir.write("bad.conf", "\n\nlisen 80;\n");
    EXPECT_EQ(dir.error_of("events {}\nhttp { server { include bad.conf; } }"),
              "D/bad.conf:3: unknown directive \"lisen\"");
    dir.write("open.conf", "server {\n");
    EXPECT_EQ(dir.error_of("events {}\nhttp { include open.conf; }"),
              "D/open.conf:2: unexpected end of file, expecting \"}\"");
    dir.write("close.conf", "}\n");
    EXPECT_EQ(dir.error_of("events {}\nhttp { include close.conf; }"),
              "D/close.conf:1: unexpected \"}\"");
}

TEST(LoadConfig, IncludedFileIsCheckedInTheIncludingContext) {
    TempConfigDir dir;
    dir.write("main-only.conf", "worker_processes 2;\n");
    EXPECT_EQ(dir.error_of("events {}\nhttp { include main-only.conf; }"),
              "D/main-only.conf:1: \"worker_processes\" directive is not allowed here");
}

TEST(LoadConfig, IncludeInsideTypes) {
    TempConfigDir dir;
    dir.write("extra.types", "text/x-extra ext;\n");
    auto loaded = dir.load("events {}\nhttp { types { text/html html; include extra.types; } }");
    ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
    const Directive& types = loaded->directives[1].block[0];
    ASSERT_EQ(types.block.size(), 2u);
    EXPECT_EQ(types.block[1].name, "text/x-extra");
}

TEST(LoadConfig, IncludeLoopsAreStopped) {
    TempConfigDir dir;
    dir.write("a.conf", "include b.conf;\n");
    dir.write("b.conf", "\ninclude a.conf;\n");
    const std::string error = dir.error_of("include a.conf;\nevents {}\n");
    EXPECT_EQ(error.substr(0, error.find(": ")), "D/b.conf:2");
    EXPECT_NE(error.find("probably an include loop"), std::string::npos) << error;
}

TEST(LoadConfig, IncludeDepthIsAnOption) {
    TempConfigDir dir;
    dir.write("a.conf", "include b.conf;\n");
    dir.write("b.conf", "daemon off;\n");
    LoadOptions options;
    options.max_include_depth = 1;
    EXPECT_NE(dir.error_of("include a.conf;\nevents {}\n", options).find("include loop"),
              std::string::npos);
    options.max_include_depth = 2;
    EXPECT_EQ(dir.error_of("include a.conf;\nevents {}\n", options), "ok");
}

TEST(LoadConfig, ConfPrefixOption) {
    TempConfigDir dir;
    dir.write("elsewhere/m.types", "types { text/html html; }");
    LoadOptions options;
    options.conf_prefix = dir.path("elsewhere");
    EXPECT_EQ(dir.error_of("events {}\nhttp { include m.types; }", options), "ok");
    EXPECT_EQ(dir.error_of("events {}\nhttp { include m.types; }"),
              "D/nginx.conf:2: open() \"D/m.types\" failed (2: No such file or directory)");
}

TEST(LoadConfig, AbsoluteIncludePath) {
    TempConfigDir dir;
    TempConfigDir other;
    const std::string included = other.write("x.conf", "daemon off;");
    EXPECT_EQ(dir.error_of("include " + included + ";\nevents {}"), "ok");
}

TEST(LoadConfig, UnknownVariablesAreRefusedAtLoad) {
    TempConfigDir dir;
    EXPECT_EQ(dir.error_of("events {}\nhttp { server {\n return 200 $foo; } }"),
              "D/nginx.conf:3: unknown \"foo\" variable");
    EXPECT_EQ(dir.error_of("events {}\nhttp { server { return 200 \"${uri\"; } }"),
              "D/nginx.conf:2: the closing bracket in \"uri\" variable is missing");
    EXPECT_EQ(dir.error_of("events {}\nhttp { server { return 200 \"a$\"; } }"),
              "D/nginx.conf:2: invalid variable name");
}

TEST(LoadConfig, SetAndNamedCapturesDefineVariablesEverywhere) {
    TempConfigDir dir;
    EXPECT_EQ(dir.error_of("events {}\nhttp { server { return 200 $later; } "
                           "server { set $later 1; } }"),
              "ok");
    EXPECT_EQ(dir.error_of("events {}\nhttp { server { location ~ (?<nm>.+) { return 200 $nm; } "
                           "} }"),
              "ok");
    EXPECT_EQ(dir.error_of("events {}\nhttp { log_format f '$remote_addr [$time_local] "
                           "\"$request\" $status $body_bytes_sent \"$http_referer\"'; "
                           "server { access_log logs/a.log f if=$loggable; } }"),
              "D/nginx.conf:2: unknown \"loggable\" variable");
}

TEST(LoadConfig, LayersRegisterDirectivesAndVariables) {
    constexpr DirectiveSpec wsgi[] = {
        {"wsgi_pass",
         Context::location,
         arity::one,
         BlockKind::none,
         Context::none,
         false,
         {},
         nullptr,
         0},
    };
    DirectiveRegistry directives = core_registry();
    directives.register_directives(wsgi);
    VariableRegistry variables = nginx_variables();
    constexpr std::string_view names[] = {"wsgi_app"};
    variables.add_names(names);
    LoadOptions options;
    options.directives = &directives;
    options.variables = &variables;
    TempConfigDir dir;
    const std::string config =
        "events {}\nhttp { server { location / { wsgi_pass app:$wsgi_app; } } }";
    EXPECT_EQ(dir.error_of(config, options), "ok");
    EXPECT_EQ(dir.error_of(config), "D/nginx.conf:2: unknown directive \"wsgi_pass\"");
}

TEST(LoadConfig, GlobalDirectivesComeFirst) {
    TempConfigDir dir;
    LoadOptions options;
    options.global_directives = "daemon off; master_process off;";
    auto loaded = dir.load("events {}\n", options);
    ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
    ASSERT_EQ(loaded->directives.size(), 3u);
    EXPECT_EQ(at(loaded->directives[0]), "command line:1");
    EXPECT_EQ(loaded->files.size(), 1u);  // not a file: -T does not show it
    EXPECT_EQ(dir.error_of("daemon on;\nevents {}\n", options),
              "D/nginx.conf:1: \"daemon\" directive is duplicate");
    options.global_directives = "events {}";
    EXPECT_EQ(dir.error_of("", options),
              "command line:1: block directives are not supported in -g option");
    options.global_directives = "lisen 80;";
    EXPECT_EQ(dir.error_of("", options), "command line:1: unknown directive \"lisen\"");
}

TEST(Dump, EveryFileReadHeadedByItsPath) {
    TempConfigDir dir;
    dir.write("m.types", "types { text/html html; }\n\n");
    auto loaded = dir.load("events {}\nhttp { include m.types; }");
    ASSERT_TRUE(loaded.ok());
    ASSERT_EQ(loaded->files.size(), 2u);
    EXPECT_EQ(dump(loaded.value()), "# configuration file " + dir.path("nginx.conf") +
                                        ":\nevents {}\nhttp { include m.types; }\n"
                                        "# configuration file " +
                                        dir.path("m.types") + ":\ntypes { text/html html; }\n\n\n");
}

TEST(Dump, AFileIncludedTwiceIsShownOnce) {
    TempConfigDir dir;
    dir.write("h.conf", "add_header X y;\n");
    auto loaded =
        dir.load("events {}\nhttp { server { include h.conf; } server { include h.conf; } }\n");
    ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
    EXPECT_EQ(loaded->files.size(), 3u);
    const std::string text = dump(loaded.value());
    EXPECT_EQ(text.find("h.conf:"), text.rfind("h.conf:"));
}

}  // namespace
}  // namespace strata::config
