#include "strata/config/core_directives.h"

#include <gtest/gtest.h>

#include "temp_config.h"

namespace strata::config {
namespace {

using testing::TempConfigDir;

struct Case {
    const char* config;
    const char* expected;  // "ok" or the error with the directory as D/
};

// Each error was produced the same by nginx 1.22 (`nginx -t`) on the same text.
const Case kCases[] = {
    {"events{} lisen\n 80;", "D/nginx.conf:2: unknown directive \"lisen\""},
    {"events{} SENDFILE on;", "D/nginx.conf:1: unknown directive \"SENDFILE\""},
    {"events{} http { sendfile on; sendfile off; }",
     "D/nginx.conf:1: \"sendfile\" directive is duplicate"},
    {"events{} http { sendfile yes; }",
     "D/nginx.conf:1: invalid value \"yes\" in \"sendfile\" directive, it must be \"on\" or "
     "\"off\""},
    {"events{} http { sendfile ON; }", "ok"},
    {"events{} http { server { root a; alias b; } }",
     "D/nginx.conf:1: \"alias\" directive is not allowed here"},
    {"events{} http { server { location / { root a; alias b; } } }",
     "D/nginx.conf:1: \"alias\" directive is duplicate, \"root\" directive was specified "
     "earlier"},
    {"events{} http { server { location / { alias b; root a; } } }",
     "D/nginx.conf:1: \"root\" directive is duplicate, \"alias\" directive was specified "
     "earlier"},
    {"events{} http { server { location / { root a; root b; } } }",
     "D/nginx.conf:1: \"root\" directive is duplicate"},
    {"events{} http { sendfile on { } }",
     "D/nginx.conf:1: directive \"sendfile\" is not terminated by \";\""},
    {"events{} http ;", "D/nginx.conf:1: directive \"http\" has no opening \"{\""},
    {"events{} http", "D/nginx.conf:1: unexpected end of file, expecting \";\" or \"}\""},
    {"events{} http {\n", "D/nginx.conf:2: unexpected end of file, expecting \"}\""},
    {"events{} }", "D/nginx.conf:1: unexpected \"}\""},
    {"events{} events {}", "D/nginx.conf:1: \"events\" directive is duplicate"},
    {"events{} http {} http {}", "D/nginx.conf:1: \"http\" directive is duplicate"},
    {"events{ worker_connections 10; worker_connections 20;}",
     "D/nginx.conf:1: \"worker_connections\" directive is duplicate"},
    {"events{ worker_connections x;}", "D/nginx.conf:1: invalid number \"x\""},
    {"worker_processes 1; worker_processes 2; events{}",
     "D/nginx.conf:1: \"worker_processes\" directive is duplicate"},
    {"worker_processes x; events{}",
     "D/nginx.conf:1: \"worker_processes\" directive invalid value"},
    {"worker_processes auto; events{}", "ok"},
    {"worker_processes; events{}",
     "D/nginx.conf:1: invalid number of arguments in \"worker_processes\" directive"},
    {"events{} http { client_max_body_size 1x; }",
     "D/nginx.conf:1: \"client_max_body_size\" directive invalid value"},
    {"events{} http { client_max_body_size 1g; client_body_timeout 1h30m; }", "ok"},
    {"events{} http { keepalive_timeout 1y; }",
     "D/nginx.conf:1: \"keepalive_timeout\" directive invalid value"},
    {"events{} http { keepalive_timeout 5 5 5; }",
     "D/nginx.conf:1: invalid number of arguments in \"keepalive_timeout\" directive"},
    {"events{} http { keepalive_timeout 5 x; }",
     "D/nginx.conf:1: \"keepalive_timeout\" directive invalid value"},
    {"events{} http { keepalive_requests x; }",
     "D/nginx.conf:1: \"keepalive_requests\" directive invalid number"},
    {"events{} http { types_hash_max_size x; }",
     "D/nginx.conf:1: \"types_hash_max_size\" directive invalid number"},
    {"events{} http { gzip_comp_level 10; }", "D/nginx.conf:1: value must be between 1 and 9"},
    {"events{} http { gzip_comp_level x; }",
     "D/nginx.conf:1: \"gzip_comp_level\" directive invalid number"},
    {"events{} http { gzip_http_version 2; }", "D/nginx.conf:1: invalid value \"2\""},
    {"events{} http { server_tokens maybe; }", "D/nginx.conf:1: invalid value \"maybe\""},
    {"events{} http { if_modified_since x; }", "D/nginx.conf:1: invalid value \"x\""},
    {"events{} http { gzip_min_length x; }",
     "D/nginx.conf:1: \"gzip_min_length\" directive invalid value"},
    {"events{} http { error_log a b c; }", "D/nginx.conf:1: invalid log level \"b\""},
    {"events{} http { error_log a info debug; }", "D/nginx.conf:1: duplicate log level \"debug\""},
    {"events{} http { log_format a b; log_format a c; }",
     "D/nginx.conf:1: duplicate \"log_format\" name \"a\""},
    {"events{} http { log_format combined b; }",
     "D/nginx.conf:1: duplicate \"log_format\" name \"combined\""},
    {"events{} http { server { log_format a b; } }",
     "D/nginx.conf:1: \"log_format\" directive is not allowed here"},
    {"events{} http { server { set foo 1; } }", "D/nginx.conf:1: invalid variable name \"foo\""},
    {"events{} http { server { worker_connections 5; } }",
     "D/nginx.conf:1: \"worker_connections\" directive is not allowed here"},
    {"events{} http { server { user nobody; } }",
     "D/nginx.conf:1: \"user\" directive is not allowed here"},
    {"events{} http { server { try_files a; } }",
     "D/nginx.conf:1: invalid number of arguments in \"try_files\" directive"},
    {"events{} http { server { expires 1h; expires 2h; } }",
     "D/nginx.conf:1: \"expires\" directive is duplicate"},
    {"events{} http { server { try_files a b; try_files a b; } }",
     "D/nginx.conf:1: \"try_files\" directive is duplicate"},
    {"events{} http { server { default_type a; default_type b; } }",
     "D/nginx.conf:1: \"default_type\" directive is duplicate"},
    {"events{} http { server { charset a; charset b; } }",
     "D/nginx.conf:1: \"charset\" directive is duplicate"},
    {"events{} http { server { etag on; etag off; } }",
     "D/nginx.conf:1: \"etag\" directive is duplicate"},
    {"events{} http { server { disable_symlinks on; disable_symlinks off; } }",
     "D/nginx.conf:1: \"disable_symlinks\" directive is duplicate"},
    {"events{} http { server { gzip_types a; gzip_types b; gzip_disable a; gzip_disable b; "
     "index a; index b; add_header a b; add_header a b; error_page 404 /a; error_page 500 /b; "
     "access_log off; access_log a; server_name a; server_name b; listen 80; listen 81; "
     "return 200; return 301 x; } }",
     "ok"},
    // locations
    {"events{} http { server { location / {} location / {} } }",
     "D/nginx.conf:1: duplicate location \"/\""},
    {"events{} http { server { location /a {}\nlocation /b {}\nlocation /a {} } }",
     "D/nginx.conf:3: duplicate location \"/a\""},
    {"events{} http { server { location = /a { location /b {} } } }",
     "D/nginx.conf:1: location \"/b\" cannot be inside the exact location \"/a\""},
    {"events{} http { server { location /a { location /b {} } } }",
     "D/nginx.conf:1: location \"/b\" is outside location \"/a\""},
    {"events{} http { server { location @a { location /b {} } } }",
     "D/nginx.conf:1: location \"/b\" cannot be inside the named location \"@a\""},
    {"events{} http { server { location /a { location @b {} } } }",
     "D/nginx.conf:1: named location \"@b\" can be on the server level only"},
    {"events{} http { server { location ~~ /a {} } }",
     "D/nginx.conf:1: invalid location modifier \"~~\""},
    {"events{} http { server { location a b c {} } }",
     "D/nginx.conf:1: invalid number of arguments in \"location\" directive"},
    {"events{} http { server { location /a/ { location /a/b {} location ~ x {} } "
     "location = /a {} location ^~ /i/ {} location ~* \\.png$ {} location @x {} } }",
     "ok"},
    // the rewrite module and `if`
    {"events{} http { server { if ($x) { if ($y) {} } } }",
     "D/nginx.conf:1: \"if\" directive is not allowed here"},
    {"events{} http { server { if ($uri) { location /a {} } } }",
     "D/nginx.conf:1: \"location\" directive is not allowed here"},
    {"events{} http { server { location / { if ($uri) { root x; } } } }", "ok"},
    {"events{} http { server { if ($uri) { root x; } } }",
     "D/nginx.conf:1: \"root\" directive is not allowed here"},
    {"events{} http { server { if ($request_method = POST) { return 405; } "
     "rewrite ^/old/(.*)$ /new/$1 permanent; set $a 1; break; "
     "location / { if (!-f $request_filename) { rewrite ^ /index.html last; break; } } } }",
     "ok"},
    {"events{} http { server { location / { limit_except GET { deny all; access_log off; } } "
     "} }",
     "ok"},
    {"events{} http { server { limit_except GET { } } }",
     "D/nginx.conf:1: \"limit_except\" directive is not allowed here"},
    // types blocks: free-form entries
    {"events{} http { types { text/html html; foo {} } }", "D/nginx.conf:1: unexpected \"{\""},
    {"events{} http { types { text/html html; include; } }",
     "D/nginx.conf:1: invalid number of arguments in \"include\" directive"},
    {"events{} http { types { text/html html; application/x-anything a b c d e f g h i; } }", "ok"},
    {"events{} http { include x y; }",
     "D/nginx.conf:1: invalid number of arguments in \"include\" directive"},
    // upstream groups
    {"events{} http { upstream u { server 127.0.0.1:8000; keepalive 2; least_conn; } }", "ok"},
    {"events{} http { upstream u { server 127.0.0.1; keepalive 1; keepalive 2; } }",
     "D/nginx.conf:1: \"keepalive\" directive is duplicate"},
    {"events{} http { upstream u { server 127.0.0.1; keepalive 0; } }",
     "D/nginx.conf:1: invalid value \"0\" in \"keepalive\" directive"},
    {"events{} http { upstream u { server 127.0.0.1; keepalive_timeout x; } }",
     "D/nginx.conf:1: \"keepalive_timeout\" directive invalid value"},
    {"events{} http { upstream u { server 127.0.0.1; keepalive_requests x; } }",
     "D/nginx.conf:1: \"keepalive_requests\" directive invalid number"},
    {"events{} http { upstream u { server 127.0.0.1; keepalive_time 1h; } }", "ok"},
    {"events{} http { upstream u { ip_hash; ip_hash; hash $uri; least_conn; server a; } }", "ok"},
    {"events{} http { upstream u { hash; } }",
     "D/nginx.conf:1: invalid number of arguments in \"hash\" directive"},
    {"events{} http { upstream u { hash a b c; } }",
     "D/nginx.conf:1: invalid number of arguments in \"hash\" directive"},
    {"events{} http { upstream u { ip_hash x; } }",
     "D/nginx.conf:1: invalid number of arguments in \"ip_hash\" directive"},
    {"events{} http { upstream u { server; } }",
     "D/nginx.conf:1: invalid number of arguments in \"server\" directive"},
    {"events{} http { upstream { server a; } }",
     "D/nginx.conf:1: invalid number of arguments in \"upstream\" directive"},
    {"events{} http { server { upstream u { server a; } } }",
     "D/nginx.conf:1: \"upstream\" directive is not allowed here"},
    {"events{} http { server { ip_hash; } }",
     "D/nginx.conf:1: \"ip_hash\" directive is not allowed here"},
    {"events{} http { upstream u { listen 80; } }",
     "D/nginx.conf:1: \"listen\" directive is not allowed here"},
    // the proxy
    {"events{} http { server { location / { proxy_pass http://u; proxy_set_header A $host; "
     "proxy_http_version 1.1; proxy_buffers 8 4k; proxy_next_upstream error http_502; "
     "proxy_read_timeout 5s; if ($args) { proxy_pass http://v; } } } }",
     "ok"},
    {"events{} http { proxy_pass http://u; }",
     "D/nginx.conf:1: \"proxy_pass\" directive is not allowed here"},
    {"events{} http { server { proxy_pass http://u; } }",
     "D/nginx.conf:1: \"proxy_pass\" directive is not allowed here"},
    {"events{} http { server { location / { proxy_pass http://u; proxy_pass http://v; } } }",
     "D/nginx.conf:1: \"proxy_pass\" directive is duplicate"},
    {"events{} http { server { location / { proxy_pass http://$nope; } } }",
     "D/nginx.conf:1: unknown \"nope\" variable"},
    {"events{} http { proxy_http_version 2.0; }", "D/nginx.conf:1: invalid value \"2.0\""},
    {"events{} http { proxy_next_upstream error http_501; }",
     "D/nginx.conf:1: invalid value \"http_501\""},
    {"events{} http { proxy_buffers 0 4k; }",
     "D/nginx.conf:1: \"proxy_buffers\" directive invalid value"},
    {"events{} http { proxy_buffering maybe; }",
     "D/nginx.conf:1: invalid value \"maybe\" in \"proxy_buffering\" directive, it must be "
     "\"on\" or \"off\""},
    {"events{} http { proxy_connect_timeout 1x; }",
     "D/nginx.conf:1: \"proxy_connect_timeout\" directive invalid value"},
};

class CoreDirectiveCases : public ::testing::TestWithParam<Case> {};

TEST_P(CoreDirectiveCases, AsNginxTest) {
    TempConfigDir dir;
    EXPECT_EQ(dir.error_of(GetParam().config), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(Table, CoreDirectiveCases, ::testing::ValuesIn(kCases));

TEST(CoreDirectives, KnowsEveryDirectiveOfTheSeedAndTheNextOnes) {
    const DirectiveRegistry registry = core_registry();
    for (const char* name : {"include",
                             "events",
                             "http",
                             "server",
                             "location",
                             "types",
                             "daemon",
                             "master_process",
                             "pid",
                             "user",
                             "worker_processes",
                             "worker_connections",
                             "worker_rlimit_nofile",
                             "error_log",
                             "access_log",
                             "log_format",
                             "keepalive_timeout",
                             "keepalive_requests",
                             "sendfile",
                             "tcp_nopush",
                             "tcp_nodelay",
                             "types_hash_max_size",
                             "default_type",
                             "gzip",
                             "gzip_disable",
                             "gzip_types",
                             "gzip_min_length",
                             "gzip_comp_level",
                             "gzip_vary",
                             "gzip_http_version",
                             "listen",
                             "server_name",
                             "root",
                             "alias",
                             "index",
                             "try_files",
                             "autoindex",
                             "error_page",
                             "add_header",
                             "expires",
                             "etag",
                             "if_modified_since",
                             "server_tokens",
                             "client_max_body_size",
                             "client_header_timeout",
                             "client_body_timeout",
                             "send_timeout",
                             "disable_symlinks",
                             "absolute_redirect",
                             "server_name_in_redirect",
                             "port_in_redirect",
                             "charset",
                             "rewrite",
                             "set",
                             "if",
                             "break",
                             "return",
                             "limit_except",
                             "upstream",
                             "proxy_pass",
                             "proxy_set_header",
                             "proxy_redirect",
                             "proxy_buffering",
                             "proxy_next_upstream"}) {
        EXPECT_TRUE(registry.knows(name)) << name;
    }
}

TEST(CoreDirectives, EverySpecIsCoherent) {
    for (const DirectiveSpec& spec : core_directives()) {
        EXPECT_NE(spec.contexts, Context::none) << spec.name;
        EXPECT_LE(spec.args.min, spec.args.max) << spec.name;
        EXPECT_EQ(spec.block == BlockKind::none, spec.child_context == Context::none) << spec.name;
    }
}

}  // namespace
}  // namespace strata::config
