#include "strata/cli/front_worker.h"

#include "strata/base/log.h"
#include "strata/cli/front_apps.h"
#include "strata/cli/front_hooks.h"
#include "strata/cli/hook_failures.h"
#include "strata/cli/max_requests_jitter.h"
#include "strata/net/event_loop.h"
#include "strata/net/http_server.h"
#include "strata/process/heartbeat.h"
#include "strata/process/http_worker.h"
#include "strata/web/access_log.h"
#include "strata/web/front_handler.h"
#include "strata/web/host_field_limit.h"
#include "strata/web/server_names.h"
#include "strata/web/upstream_runtime.h"

namespace strata::cli {
namespace {

// The engine's defaults from the http level; each listening socket then gets its own.
net::HttpOptions connection_options(const web::MainConfig& config) {
    net::HttpOptions o;
    o.worker_connections = static_cast<uint64_t>(config.worker_connections);
    return o;
}

// A TLS address: the default server's certificates, or those of the server a client
// names with SNI (chosen as Host chooses it).
std::shared_ptr<const net::TlsListener> tls_listener(const web::ListenGroup& group) {
    auto listener = std::make_shared<net::TlsListener>();
    listener->default_context = group.default_server->tls;
    listener->http2 = group.http2;
    listener->context_for_name = [&group](std::string_view name) -> const net::TlsContext* {
        const web::ServerConfig* no_server = nullptr;  // no name matches: keep the default
        auto host = web::normalize_host(name);
        if (!host) return nullptr;
        const web::ServerConfig* server = web::select_server(group.servers, *host, no_server);
        return server ? server->tls.get() : nullptr;
    };
    return listener;
}

// nginx reads a request head with the settings of the address's default server
// (client_header_timeout, large_client_header_buffers), and applies that server's
// settings until the request's own server and location are known.
net::ListenerOptions listener_options(const web::ListenGroup& group, const net::HttpOptions& base) {
    const web::LocationSettings& s = group.default_server->settings;
    net::ListenerOptions o{base, *s.request_options, nullptr};
    o.http.client_header_timeout_ms = *s.client_header_timeout_ms;
    o.http.parser.limits.request_line = *s.large_header_buffer_size;
    o.http.parser.limits.field_line = *s.large_header_buffer_size;
    o.host_field_limit = web::host_field_limit(group);
    o.http.parser.host_field_limit = o.host_field_limit.get();
    o.http.parser.limits.body = o.request.body_limit;
    o.http.http2.max_concurrent_streams = static_cast<uint32_t>(*s.http2_max_concurrent_streams);
    o.http.http2.chunk_size = *s.http2_chunk_size;
    o.http.http2.body_preread_size = static_cast<uint32_t>(*s.http2_body_preread_size);
    o.http.http2.max_header_bytes = 4 * *s.large_header_buffer_size;
    if (group.ssl) o.tls = tls_listener(group);
    o.http2 = group.http2;
    return o;
}

// gunicorn's limits for a worker that runs apps: the master replaces it when an app call
// outlives wsgi_timeout (it watches the heartbeat's busy time); it leaves gracefully
// after wsgi_max_requests app requests.
void watch_apps(FrontApps& apps, const web::AppRuntime& runtime,
                process::HttpWorkerOptions& options) {
    options.busy_since = [&apps] {
        auto busy = static_cast<uint64_t>(apps.longest_busy().count());
        return busy == 0 ? 0 : process::monotonic_ms() - busy;
    };
    if (runtime.max_requests == 0) return;
    auto retire = std::make_shared<std::function<void()>>();
    options.on_started = [retire](std::function<void()> begin) { *retire = std::move(begin); };
    uint64_t limit = jittered_max_requests(runtime.max_requests, runtime.max_requests_jitter);
    apps.on_request_done([retire, served = uint64_t{0}, limit]() mutable {
        if (++served != limit || !*retire) return;
        log::info("worker leaves after {} app requests (wsgi_max_requests)", limit);
        (*retire)();
    });
}

}  // namespace

int run_front_worker(std::shared_ptr<const web::MainConfig> config, process::WorkerContext& worker,
                     python::ServerHooks* hooks, const ImportedApps* preloaded) {
    net::EventLoop loop;
    // The error logs of http, server and location levels: opened here, as the access
    // logs are, so each worker holds its own descriptors to reopen.
    web::ErrorLogFiles* level_logs = config->http.error_log_files.get();
    if (level_logs) level_logs->open_all();
    web::AccessLog access_log(*config);
    FrontApps apps(*config, loop, hooks,
                   preloaded);  // before the handler, which outlives none of them
    if (hooks && !hooks->post_worker_init()) abandon_worker(*hooks);
    web::UpstreamRuntime upstreams(loop);
    web::FrontHandler handler(config, &access_log, &apps.handlers(), &upstreams);
    net::HttpOptions base = connection_options(*config);
    net::HttpServer server(loop, handler, base);
    const std::vector<web::ListenGroup>& groups = handler.listen_groups();
    for (size_t tag = 0; tag < groups.size(); ++tag)
        server.set_listener_options(static_cast<int>(tag), listener_options(groups[tag], base));
    process::HttpWorkerOptions options;
    options.reopen_logs = [&access_log, level_logs] {  // USR1, after the files were moved away
        log::reopen();
        if (level_logs) level_logs->open_all();
        access_log.reopen();
    };
    if (!apps.empty()) watch_apps(apps, config->http.app_runtime, options);
    if (hooks) install_worker_hooks(options, *hooks);
    int status = process::serve_http_worker(loop, server, worker, std::move(options));
    if (hooks) hooks->worker_exit();
    return status;
}

}  // namespace strata::cli
