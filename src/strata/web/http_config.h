// The `http {}` configuration after loading: typed, validated, and with every
// inherited setting merged down (http → server → location), so request handling
// reads one struct and never walks parents. Frozen once the server starts.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "strata/config/directive.h"
#include "strata/net/http_options.h"
#include "strata/net/listener.h"
#include "strata/web/conditional.h"
#include "strata/web/gzip_filter.h"
#include "strata/web/level_error_logs.h"
#include "strata/web/location_match.h"
#include "strata/web/log_format.h"
#include "strata/web/proxy_pass.h"
#include "strata/web/proxy_settings.h"
#include "strata/web/rewrite.h"
#include "strata/web/server_names.h"
#include "strata/web/symlink_policy.h"
#include "strata/web/tls_settings.h"
#include "strata/web/upstream_config.h"

namespace strata::web {

// Configured text that may name variables ($uri, ${name}): whether it does is found
// once at load, so the literal case costs no scan per request.
struct VariableText {
    std::string text;
    bool has_variables = false;

    VariableText() = default;
    explicit VariableText(std::string value)
        : text(std::move(value)), has_variables(text.find('$') != std::string::npos) {}
};

// A `types` block: lower-case extension → content type, found by a view of the
// requested path's extension (no key string built per response).
struct ExtensionHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using MimeTypes = std::unordered_map<std::string, std::string, ExtensionHash, std::equal_to<>>;

// error_page CODE… [=[RESPONSE]] URI
struct ErrorPage {
    int response = 0;  // 0: keep the error's status; -1: "=" (the target's status)
    std::string uri;   // "/50x.html", "@fallback" or "http://…" (redirect)
};

struct AddedHeader {
    std::string name, value;  // value may hold variables
    bool always = false;
};

enum class AutoindexFormat { html, xml, json, jsonp };

// Settings a location inherits when it does not set them. std::nullopt means "unset
// here": merge() fills it from the enclosing level, finally from nginx's defaults.
struct LocationSettings {
    std::optional<VariableText> root;  // default "html", relative to the prefix
    std::optional<std::vector<std::string>> index;
    std::optional<std::string> default_type;
    std::shared_ptr<const MimeTypes> types;
    std::optional<bool> sendfile, tcp_nopush, tcp_nodelay, server_tokens, etag, autoindex;
    std::optional<bool> absolute_redirect, server_name_in_redirect, port_in_redirect;
    std::optional<bool> log_not_found;
    std::optional<bool> autoindex_exact_size, autoindex_localtime;
    std::optional<AutoindexFormat> autoindex_format;
    std::optional<IfModifiedSince> if_modified_since;
    std::optional<uint64_t> client_max_body_size;
    std::optional<uint64_t> keepalive_timeout_ms, keepalive_requests, send_timeout_ms;
    std::optional<uint64_t> keepalive_header_s;  // keepalive_timeout's second value; 0: none
    std::optional<uint64_t> client_body_timeout_ms;
    // A request body larger than this is spooled to a file in client_body_temp_path
    // (relative to the prefix as written; absolute once loaded).
    std::optional<uint64_t> client_body_buffer_size;
    std::optional<std::string> client_body_temp_path;
    // http and server levels only (nginx); what counts is the listen address's default server.
    std::optional<uint64_t> client_header_timeout_ms;
    std::optional<uint64_t> large_header_buffer_size;  // large_client_header_buffers' size
    // HTTP/2 (http and server levels): `http2 on` and the http2_* limits.
    std::optional<bool> http2;
    std::optional<uint64_t> http2_max_concurrent_streams, http2_chunk_size, http2_body_preread_size;
    std::optional<std::map<int, ErrorPage>> error_pages;
    std::optional<std::vector<AddedHeader>> add_headers;
    std::optional<std::string> expires;  // kept as written until the headers filter lands
    std::optional<DisableSymlinks> disable_symlinks;
    // gzip
    std::optional<bool> gzip, gzip_vary;
    std::optional<std::vector<std::string>> gzip_types, gzip_disable;
    std::optional<uint64_t> gzip_min_length;
    std::optional<int> gzip_comp_level;
    // access_log: empty vector = off
    std::optional<std::vector<std::pair<std::string, std::string>>> access_logs;  // path, format
    // error_log: every one of the level; unset up to http: the main error log.
    std::optional<std::vector<ErrorLogSpec>> error_logs;
    // error_logs resolved to files at load (resolve_error_logs()); null: the main log.
    std::shared_ptr<const LevelErrorLogs> error_log;
    // Derived at load by compile_derived(); null for settings built by hand.
    std::shared_ptr<const GzipOptions> gzip_compiled;
    // What the connection applies while this level handles a request.
    std::shared_ptr<const net::RequestOptions> request_options;
    ProxySettings proxy;  // proxy_set_header, proxy_*_timeout, proxy_buffers…
    TlsSettings tls;      // ssl_* (http and server levels)
};

// Fills every unset field of `child` from `parent`.
void merge(LocationSettings& child, const LocationSettings& parent);
// Computes what requests would otherwise rebuild each time (the gzip options with
// their compiled regexes, the connection's options) from complete settings.
void compile_derived(LocationSettings& settings);
// Points `settings.error_log` at the files of its error_logs, unless merge() already
// took the parent's resolved logs with its specs.
void resolve_error_logs(LocationSettings& settings, ErrorLogFiles& files);
// Fills every still-unset field with nginx's default.
void apply_defaults(LocationSettings& settings);
// The connection's options of complete settings (client_max_body_size 0: no limit).
net::RequestOptions request_options_of(const LocationSettings& settings);

// `alias PATH`: PATH in place of the URI's first `replaces` bytes (the prefix of the
// location that set it), or of the whole URI (kWholeUri) when that location is a regex.
struct Alias {
    static constexpr size_t kWholeUri = static_cast<size_t>(-1);
    VariableText path;
    size_t replaces = 0;
};

// `wsgi_app MODULE:VARIABLE` in a location: its content is an app's, run by a handler
// the worker starts (the front server only knows it by its key). The app sees the
// location's requests as the seed's nginx would have proxied them to gunicorn.
struct AppMount {
    std::string app;           // MODULE:VARIABLE, or a factory call, as gunicorn takes it
    std::string root_path;     // wsgi_root_path: SCRIPT_NAME (gunicorn's SCRIPT_NAME / --root-path)
    unsigned threads = 1;      // wsgi_threads: the app's threads in each worker
    bool threads_set = false;  // by wsgi_threads (else wsgi_config's threads may apply)
    bool intercept_errors = false;  // wsgi_intercept_errors: error_page for the app's errors
    config::SourceLocation where;

    // Mounts with the same key share one handler in a worker.
    std::string key() const { return app + '\n' + root_path + '\n' + std::to_string(threads); }
};

// How the workers run their apps (http level): the interpreter (wsgi_python_home,
// wsgi_chdir, wsgi_pythonpath) and gunicorn's per-worker limits (wsgi_timeout,
// wsgi_max_requests).
inline constexpr int kAppThreadPriority = 10;

struct AppRuntime {
    std::string python_home;
    std::string chdir;  // before any app is imported; empty: the prefix
    std::vector<std::string> pythonpath;
    // A worker whose oldest app call has run this long is replaced (gunicorn's --timeout,
    // 30 s); 0: never. Only workers that run apps are watched.
    uint64_t timeout_ms = 30'000;
    // The worker leaves gracefully after this many app requests (gunicorn's
    // --max-requests); 0: never.
    uint64_t max_requests = 0;
    // The nice value of the app threads (wsgi_priority): below the event loop's, so a
    // busy app does not slow the files, proxied and app responses the loop sends when
    // they share a CPU. None (`strata wsgi`, as gunicorn): the worker's.
    std::optional<int> thread_priority = kAppThreadPriority;
    // gunicorn's max_requests_jitter, from wsgi_config: each worker's limit is
    // max_requests plus a random 0..jitter, so workers do not all leave at once.
    uint64_t max_requests_jitter = 0;
    bool timeout_set = false;       // by wsgi_timeout: wsgi_config's timeout yields to it
    bool max_requests_set = false;  // by wsgi_max_requests: likewise
    // wsgi_config: a gunicorn config file as gunicorn's -c takes it (PATH, file:PATH,
    // python:MODULE; a relative PATH made absolute against the prefix), read by the master.
    std::string config_file;
    config::SourceLocation config_where;
};

struct LocationConfig {
    LocationPattern pattern;
    config::SourceLocation where;
    LocationSettings settings;  // merged: complete after loading
    // Inherited, as nginx does, by nested locations that set neither root nor alias.
    std::optional<Alias> alias;
    std::optional<AppMount> app;          // the location's content comes from an app
    std::optional<ProxyPass> proxy_pass;  // … or from an upstream
    std::vector<std::string> try_files;
    RewriteScript rewrites;  // nginx's rewrite phase, after the location is found
    std::vector<LocationConfig> children;
};

struct ListenConfig {
    std::string text;  // as written, for messages
    net::ListenAddress address;
    net::ListenOptions options;
    bool default_server = false;
    bool ssl = false;    // `listen … ssl`
    bool http2 = false;  // `listen … http2`
    config::SourceLocation where;
};

struct ServerConfig {
    std::vector<ListenConfig> listens;
    std::vector<ServerName> names;
    std::string first_name;     // $server_name
    LocationSettings settings;  // merged with http's
    RewriteScript rewrites;     // nginx's server-rewrite phase, before location matching
    std::vector<LocationConfig> locations;
    // Its certificates ready for handshakes; null when it names none.
    std::shared_ptr<const net::TlsContext> tls;
    config::SourceLocation where;
};

struct HttpConfig {
    std::vector<ServerConfig> servers;
    std::map<std::string, LogFormat> log_formats;  // compiled; "combined" built in
    UpstreamGroups upstreams;                      // upstream {} blocks, by lower-case name
    ImplicitUpstreams implicit_upstreams;          // made by proxy_pass from addresses
    AppRuntime app_runtime;
    LocationSettings settings;
    // The files of every error_log in http, servers and locations; the settings point
    // into it. Opened by each worker (and reopened on USR1).
    std::shared_ptr<ErrorLogFiles> error_log_files;
};

// The main context: what the master and the workers need.
struct MainConfig {
    int worker_processes = 1;
    int worker_connections = 512;
    bool daemon = true;
    bool master_process = true;
    std::string pid_file;   // absolute
    std::string error_log;  // absolute, or "stderr"
    std::string error_log_level = "error";
    uint64_t worker_rlimit_nofile = 0;
    std::string prefix;       // with a final "/"
    std::string conf_prefix;  // the main file's directory, with a final "/"
    HttpConfig http;
};

}  // namespace strata::web
