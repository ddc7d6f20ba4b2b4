#include "strata/config/core_directives.h"

#include <array>

#include "strata/config/detail/value_checks.h"
#include "strata/config/location_args.h"

namespace strata::config {
namespace {

using detail::check_number;
using detail::check_offset;
using detail::check_size;
using detail::check_time_ms;

constexpr Context kMain = Context::main;
constexpr Context kEvents = Context::events;
constexpr Context kHttp = Context::http;
constexpr Context kServer = Context::server;
constexpr Context kLocation = Context::location;
constexpr Context kUpstream = Context::upstream;
constexpr Context kHttpAll = contexts::any_http;          // http, server, location
constexpr Context kHttpAllIf = contexts::any_http_if;     // … and `if` in a location
constexpr Context kRewrite = contexts::rewrite;           // server, location and their `if`s
constexpr Context kServerLocation = kServer | kLocation;  // no http level
constexpr Context kHttpServer = kHttp | kServer;

constexpr bool kRepeat = true;
constexpr bool kOnce = false;

// Shorthands that keep the table one line per directive.
constexpr DirectiveSpec simple(std::string_view name, Context where, Arity args,
                               bool repeatable = kOnce, DirectiveCheck check = nullptr,
                               int values_from = -1) {
    return DirectiveSpec{name,       where, args,  BlockKind::none, Context::none,
                         repeatable, {},    check, values_from};
}

constexpr DirectiveSpec block(std::string_view name, Context where, Arity args, Context inside,
                              bool repeatable = kOnce, DirectiveCheck check = nullptr) {
    return DirectiveSpec{name, where, args, BlockKind::directives, inside, repeatable, {}, check};
}

// PATTERN REPLACEMENT rules whose pattern may be a "~" regex, both with variables.
constexpr DirectiveSpec rewrite_rule(std::string_view name) {
    DirectiveSpec spec = simple(name, kHttpAll, arity::one_or_two, kRepeat, nullptr, 0);
    spec.regex_first = true;
    return spec;
}

constexpr DirectiveSpec flag(std::string_view name, Context where) {
    return simple(name, where, arity::flag);
}

constexpr DirectiveSpec path_setting(std::string_view name, Context where,
                                     std::string_view conflicts_with) {
    return DirectiveSpec{name,           where,   arity::one, BlockKind::none, Context::none, kOnce,
                         conflicts_with, nullptr, 0};
}

constexpr auto kSpecs = std::to_array<DirectiveSpec>({
    // Anywhere; the loader splices the files in.
    simple("include", contexts::everywhere, arity::one, kRepeat),

    // core, main level
    flag("daemon", kMain),
    flag("master_process", kMain),
    simple("pid", kMain, arity::one),
    simple("user", kMain, arity::one_or_two),
    simple("worker_processes", kMain, arity::one, kOnce, detail::check_worker_processes),
    simple("worker_rlimit_nofile", kMain, arity::one, kOnce, check_number),
    simple("worker_priority", kMain, arity::one),
    simple("worker_cpu_affinity", kMain, arity::one_or_more),
    simple("worker_shutdown_timeout", kMain, arity::one, kOnce, check_time_ms),
    simple("working_directory", kMain, arity::one),
    simple("timer_resolution", kMain, arity::one, kOnce, check_time_ms),
    simple("env", kMain, arity::one, kRepeat),
    simple("lock_file", kMain, arity::one),
    flag("pcre_jit", kMain),
    simple("error_log", kMain | kHttpAll, arity::one_or_more, kRepeat, detail::check_error_log),
    block("events", kMain, arity::none, kEvents),
    block("http", kMain, arity::none, kHttp),

    // events
    simple("worker_connections", kEvents, arity::one, kOnce, detail::check_worker_connections),
    simple("use", kEvents, arity::one),
    flag("multi_accept", kEvents),
    flag("accept_mutex", kEvents),
    simple("accept_mutex_delay", kEvents, arity::one, kOnce, check_time_ms),

    // http core: servers and locations
    block("server", kHttp, arity::none, kServer, kRepeat),
    block("location", kServerLocation, arity::one_or_two, kLocation, kRepeat,
          check_location_placement),
    block("limit_except", kLocation, arity::one_or_more, Context::limit_except),
    simple("listen", kServer, arity::one_or_more, kRepeat),
    simple("server_name", kServer, arity::one_or_more, kRepeat),
    simple("internal", kLocation, arity::none),

    // http core: files
    path_setting("root", kHttpAllIf, "alias"),
    path_setting("alias", kLocation, "root"),
    simple("index", kHttpAll, arity::one_or_more, kRepeat, nullptr, 0),
    simple("try_files", kServerLocation, arity::two_or_more, kOnce, nullptr, 0),
    simple("disable_symlinks", kHttpAll, arity::one_or_two),
    simple("error_page", kHttpAllIf, arity::two_or_more, kRepeat, nullptr, 0),
    flag("recursive_error_pages", kHttpAll),
    flag("log_not_found", kHttpAll),
    flag("autoindex", kHttpAll),
    flag("autoindex_exact_size", kHttpAll),
    flag("autoindex_localtime", kHttpAll),
    simple("autoindex_format", kHttpAll, arity::one),
    DirectiveSpec{"types", kHttpAll, arity::none, BlockKind::free_form, Context::types, kRepeat},
    simple("default_type", kHttpAll, arity::one),
    simple("types_hash_max_size", kHttpAll, arity::one, kOnce, check_number),
    simple("types_hash_bucket_size", kHttpAll, arity::one, kOnce, check_size),
    simple("server_names_hash_max_size", kHttp, arity::one, kOnce, check_number),
    simple("server_names_hash_bucket_size", kHttp, arity::one, kOnce, check_size),

    // http core: connections and timeouts
    flag("sendfile", kHttpAllIf),
    simple("sendfile_max_chunk", kHttpAll, arity::one, kOnce, check_size),
    flag("tcp_nopush", kHttpAll),
    flag("tcp_nodelay", kHttpAll),
    simple("keepalive_timeout", kHttpAll, arity::one_or_two, kOnce,
           detail::check_keepalive_timeout),
    simple("keepalive_requests", kHttpAll, arity::one, kOnce, check_number),
    simple("keepalive_time", kHttpAll, arity::one, kOnce, check_time_ms),
    simple("client_max_body_size", kHttpAll, arity::one, kOnce, check_offset),
    simple("client_body_buffer_size", kHttpAll, arity::one, kOnce, check_size),
    simple("client_body_temp_path", kHttpAll, Arity{1, 4}, kOnce),
    simple("client_header_buffer_size", kHttpServer, arity::one, kOnce, check_size),
    simple("large_client_header_buffers", kHttpServer, arity::two),
    simple("client_header_timeout", kHttpServer, arity::one, kOnce, check_time_ms),
    simple("client_body_timeout", kHttpAll, arity::one, kOnce, check_time_ms),
    simple("send_timeout", kHttpAll, arity::one, kOnce, check_time_ms),
    flag("reset_timedout_connection", kHttpAll),
    flag("underscores_in_headers", kHttpServer),
    flag("ignore_invalid_headers", kHttpServer),
    flag("merge_slashes", kHttpServer),
    flag("chunked_transfer_encoding", kHttpAll),

    // http core: responses
    flag("etag", kHttpAll),
    simple("if_modified_since", kHttpAll, arity::one, kOnce, detail::check_if_modified_since),
    simple("server_tokens", kHttpAll, arity::one, kOnce, detail::check_server_tokens),
    flag("absolute_redirect", kHttpAll),
    flag("server_name_in_redirect", kHttpAll),
    flag("port_in_redirect", kHttpAll),
    simple("max_ranges", kHttpAll, arity::one, kOnce, check_number),
    simple("add_header", kHttpAllIf, arity::two_or_three, kRepeat, nullptr, 0),
    simple("expires", kHttpAllIf, arity::one_or_two, kOnce, nullptr, 0),
    simple("charset", kHttpAllIf, arity::one),
    simple("source_charset", kHttpAllIf, arity::one),
    flag("override_charset", kHttpAllIf),

    // logs
    simple("access_log", kHttpAllIf | Context::limit_except, arity::one_or_more, kRepeat, nullptr,
           0),
    simple("log_format", kHttp, arity::two_or_more, kRepeat, detail::check_log_format, 1),
    simple("open_log_file_cache", kHttpAll, arity::one_to_three),

    // access
    simple("allow", kHttpAll | Context::limit_except, arity::one, kRepeat),
    simple("deny", kHttpAll | Context::limit_except, arity::one, kRepeat),

    // rewrite
    simple("rewrite", kRewrite, arity::two_or_three, kRepeat, nullptr, 1),
    simple("return", kRewrite, arity::one_or_two, kRepeat, nullptr, 0),
    simple("set", kRewrite, arity::two, kRepeat, detail::check_set, 1),
    simple("break", kRewrite, arity::none, kRepeat),
    block("if", kServer, arity::one_or_more, Context::server_if, kRepeat),
    block("if", kLocation, arity::one_or_more, Context::location_if, kRepeat),
    flag("rewrite_log", kHttpAll | Context::server_if | Context::location_if),
    flag("uninitialized_variable_warn", kHttpAll | Context::server_if | Context::location_if),

    // gzip
    flag("gzip", kHttpAllIf),
    simple("gzip_types", kHttpAll, arity::one_or_more, kRepeat),
    simple("gzip_disable", kHttpAll, arity::one_or_more, kRepeat),
    simple("gzip_min_length", kHttpAll, arity::one, kOnce, check_size),
    simple("gzip_comp_level", kHttpAll, arity::one, kOnce, detail::check_comp_level),
    flag("gzip_vary", kHttpAll),
    simple("gzip_http_version", kHttpAll, arity::one, kOnce, detail::check_gzip_http_version),
    simple("gzip_proxied", kHttpAll, arity::one_or_more),
    simple("gzip_buffers", kHttpAll, arity::two),
    flag("gzip_static", kHttpAll),

    // apps mounted in locations, run by each worker (wsgi_app and its settings), and the
    // interpreter the workers start for them
    simple("wsgi_app", kLocation, arity::one),
    simple("wsgi_root_path", kLocation, arity::one),
    simple("wsgi_threads", kLocation, arity::one, kOnce, check_number),
    flag("wsgi_intercept_errors", kLocation),
    simple("wsgi_python_home", kHttp, arity::one),
    simple("wsgi_chdir", kHttp, arity::one),
    simple("wsgi_pythonpath", kHttp, arity::one, kRepeat),
    simple("wsgi_timeout", kHttp, arity::one, kOnce, check_time_ms),
    simple("wsgi_max_requests", kHttp, arity::one, kOnce, check_number),
    simple("wsgi_priority", kHttp, arity::one, kOnce),
    simple("wsgi_config", kHttp, arity::one, kOnce),

    // HTTP/2 (ngx_http_v2_module)
    flag("http2", kHttpServer),
    simple("http2_max_concurrent_streams", kHttpServer, arity::one, kOnce, check_number),
    simple("http2_chunk_size", kHttpAll, arity::one, kOnce, check_size),
    simple("http2_body_preread_size", kHttpServer, arity::one, kOnce, check_size),
    simple("http2_recv_buffer_size", kHttp, arity::one, kOnce, check_size),
    simple("http2_idle_timeout", kHttpServer, arity::one, kOnce, check_time_ms),
    simple("http2_max_requests", kHttpServer, arity::one, kOnce, check_number),
    simple("http2_max_field_size", kHttpServer, arity::one, kOnce, check_size),
    simple("http2_max_header_size", kHttpServer, arity::one, kOnce, check_size),
    flag("http2_push", kHttpAll),
    simple("http2_push_preload", kHttpAll, arity::one),

    // TLS (ngx_http_ssl_module): a server's certificates and handshake settings
    simple("ssl_certificate", kHttpServer, arity::one, kRepeat),
    simple("ssl_certificate_key", kHttpServer, arity::one, kRepeat),
    simple("ssl_protocols", kHttpServer, arity::one_or_more),
    simple("ssl_ciphers", kHttpServer, arity::one),
    flag("ssl_prefer_server_ciphers", kHttpServer),
    simple("ssl_session_cache", kHttpServer, Arity{1, 2}),
    simple("ssl_session_timeout", kHttpServer, arity::one),
    flag("ssl_session_tickets", kHttpServer),
    simple("ssl_dhparam", kHttpServer, arity::one),
    simple("ssl_ecdh_curve", kHttpServer, arity::one),
    simple("ssl_buffer_size", kHttpServer, arity::one, kOnce, check_size),

    // the proxy (ngx_http_proxy_module): proxy_pass in a location, its `if` and
    // limit_except; the settings at every level, inherited downwards.
    simple("proxy_pass", kLocation | Context::location_if | Context::limit_except, arity::one,
           kOnce, nullptr, 0),
    simple("proxy_set_header", kHttpAll, arity::two, kRepeat, nullptr, 1),
    simple("proxy_http_version", kHttpAll, arity::one, kOnce, detail::check_proxy_http_version),
    flag("proxy_pass_request_headers", kHttpAll),
    flag("proxy_pass_request_body", kHttpAll),
    simple("proxy_method", kHttpAll, arity::one, kOnce, nullptr, 0),
    simple("proxy_set_body", kHttpAll, arity::one, kOnce, nullptr, 0),
    simple("proxy_hide_header", kHttpAll, arity::one, kRepeat),
    simple("proxy_pass_header", kHttpAll, arity::one, kRepeat),
    simple("proxy_ignore_headers", kHttpAll, arity::one_or_more, kRepeat),
    rewrite_rule("proxy_redirect"),
    rewrite_rule("proxy_cookie_domain"),
    rewrite_rule("proxy_cookie_path"),
    flag("proxy_intercept_errors", kHttpAll),
    simple("proxy_next_upstream", kHttpAll, arity::one_or_more, kOnce,
           detail::check_proxy_next_upstream),
    simple("proxy_next_upstream_tries", kHttpAll, arity::one, kOnce, check_number),
    simple("proxy_next_upstream_timeout", kHttpAll, arity::one, kOnce, check_time_ms),
    simple("proxy_connect_timeout", kHttpAll, arity::one, kOnce, check_time_ms),
    simple("proxy_send_timeout", kHttpAll, arity::one, kOnce, check_time_ms),
    simple("proxy_read_timeout", kHttpAll, arity::one, kOnce, check_time_ms),
    flag("proxy_buffering", kHttpAll),
    flag("proxy_request_buffering", kHttpAll),
    flag("proxy_ignore_client_abort", kHttpAll),
    flag("proxy_socket_keepalive", kHttpAll),
    simple("proxy_buffer_size", kHttpAll, arity::one, kOnce, check_size),
    simple("proxy_buffers", kHttpAll, arity::two, kOnce, detail::check_buffers),
    simple("proxy_busy_buffers_size", kHttpAll, arity::one, kOnce, check_size),
    simple("proxy_max_temp_file_size", kHttpAll, arity::one, kOnce, check_size),
    simple("proxy_temp_file_write_size", kHttpAll, arity::one, kOnce, check_size),
    simple("proxy_temp_path", kHttpAll, Arity{1, 4}),
    simple("proxy_headers_hash_max_size", kHttpAll, arity::one, kOnce, check_number),
    simple("proxy_headers_hash_bucket_size", kHttpAll, arity::one, kOnce, check_number),
    simple("proxy_limit_rate", kHttpAll, arity::one, kOnce, check_size),

    // upstream groups (the proxy layer adds the directives that use them). A second
    // balancing method is only a warning in nginx ("load balancing method redefined").
    block("upstream", kHttp, arity::one, kUpstream, kRepeat),
    simple("server", kUpstream, arity::one_or_more, kRepeat),
    simple("keepalive", kUpstream, arity::one, kOnce, detail::check_upstream_keepalive),
    simple("keepalive_timeout", kUpstream, arity::one, kOnce, check_time_ms),
    simple("keepalive_requests", kUpstream, arity::one, kOnce, check_number),
    simple("keepalive_time", kUpstream, arity::one, kOnce, check_time_ms),
    simple("least_conn", kUpstream, arity::none, kRepeat),
    simple("ip_hash", kUpstream, arity::none, kRepeat),
    simple("hash", kUpstream, arity::one_or_two, kRepeat, nullptr, 0),
    simple("random", kUpstream, Arity{0, 2}, kRepeat),
    simple("zone", kUpstream, arity::one_or_two),
});

}  // namespace

std::span<const DirectiveSpec> core_directives() {
    return kSpecs;
}

DirectiveRegistry core_registry() {
    DirectiveRegistry registry;
    registry.register_directives(core_directives());
    return registry;
}

}  // namespace strata::config
