#include "strata/cli/front_worker.h"

#include <unistd.h>

#include <cstdlib>

#include <fmt/core.h>

#include "strata/base/log.h"
#include "strata/cli/front_apps.h"
#include "strata/cli/front_hooks.h"
#include "strata/cli/hook_failures.h"
#include "strata/cli/max_requests_jitter.h"
#include "strata/gateway/gunicorn_worker.h"
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
    options.busy_since = [&apps] { return gateway::busy_since(apps.longest_busy()); };
    if (runtime.max_requests == 0) return;
    uint64_t limit = jittered_max_requests(runtime.max_requests, runtime.max_requests_jitter);
    auto retirement = std::make_shared<gateway::Retirement>(
        limit, fmt::format("worker leaves after {} app requests (wsgi_max_requests)", limit));
    options.on_started = [retirement](std::function<void()> retire) {
        retirement->set_retire(std::move(retire));
    };
    apps.on_request_done([retirement] { retirement->count(); });
}

void call(const std::function<void()>& hook) {
    if (hook) hook();
}

// A fast stop with app calls still running: their threads cannot be joined (an app may
// never return), so the worker leaves at once, as nginx's and gunicorn's do.
void leave_now_if_apps_are_busy(const FrontApps& apps, int status) {
    if (apps.in_flight() == 0) return;
    log::info("Worker exiting (pid: {}) with {} requests unfinished", ::getpid(), apps.in_flight());
    std::_Exit(status);
}

int serve_front(const FrontWorkerPlan& plan, process::WorkerContext& worker) {
    const std::shared_ptr<const web::MainConfig>& config = plan.config;
    python::ServerHooks* hooks = plan.hooks;
    net::EventLoop loop;
    // The error logs of http, server and location levels: opened here, as the access
    // logs are, so each worker holds its own descriptors to reopen.
    web::ErrorLogFiles* level_logs = config->http.error_log_files.get();
    if (level_logs) level_logs->open_all();
    web::AccessLog access_log(*config);
    // Before the handler, which outlives none of them.
    FrontApps apps(*config, loop, front_app_loader(*config, hooks, plan.preloaded));
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
    leave_now_if_apps_are_busy(apps, status);
    return status;
}

// gunicorn's worker: the app failing to load fails the boot, which stops the master.
int serve_gunicorn(const web::MainConfig& config, const gateway::AppServerConfig& flags,
                   process::WorkerContext& worker) {
    net::EventLoop loop;
    gateway::Retirement retirement(flags.max_requests_for_worker ? flags.max_requests_for_worker()
                                                                 : 0);
    auto on_complete = [&flags, &retirement](const gateway::AccessRecord& done) {
        if (flags.on_complete) flags.on_complete(done);
        retirement.count();
    };
    AppLoader load = [&flags](const web::AppMount&) { return flags.load_app(); };
    FrontApps apps(config, loop, load,
                   gateway::gunicorn_handler_options(flags, worker.listen_fds, on_complete));
    net::HttpHandler* app = apps.only_handler();
    if (app == nullptr) return process::kWorkerBootFailed;  // the error is logged
    call(flags.post_worker_init);
    net::HttpServer server(loop, *app, gateway::gunicorn_connection_options(flags));
    gateway::use_gunicorn_tls(server, flags, worker.listen_fds.size());
    std::unique_ptr<net::FileWatch> watch = gateway::watch_for_reload(flags, loop, retirement);
    auto longest_busy = [&apps] { return apps.longest_busy(); };
    int status = process::serve_http_worker(
        loop, server, worker, gateway::gunicorn_worker_options(flags, longest_busy, retirement));
    call(flags.worker_exit);
    leave_now_if_apps_are_busy(apps, status);
    return status;
}

}  // namespace

int run_front_worker(const FrontWorkerPlan& plan, process::WorkerContext& worker) {
    if (plan.gunicorn) return serve_gunicorn(*plan.config, *plan.gunicorn, worker);
    return serve_front(plan, worker);
}

}  // namespace strata::cli
