#include "strata/gateway/app_server.h"

#include <unistd.h>

#include <cstdlib>

#include <fmt/core.h>

#include "strata/base/log.h"
#include "strata/base/version.h"
#include "strata/gateway/gunicorn_worker.h"
#include "strata/net/event_loop.h"
#include "strata/net/file_watch.h"
#include "strata/net/http_server.h"
#include "strata/process/heartbeat.h"
#include "strata/process/http_worker.h"
#include "strata/process/master.h"
#include "strata/process/messages.h"

namespace strata::gateway {
namespace {

void call(const std::function<void()>& hook) {
    if (hook) hook();
}

}  // namespace

int run_app_worker(const AppServerConfig& config, process::WorkerContext& context) {
    auto app = config.load_app();
    if (!app) {
        log::error("{}", app.error());
        return process::kWorkerBootFailed;
    }
    call(config.post_worker_init);
    net::EventLoop loop;
    run_as_batch_thread();
    Retirement retirement(config.max_requests_for_worker ? config.max_requests_for_worker() : 0);
    auto on_complete = [&config, &retirement](const AccessRecord& done) {
        if (config.on_complete) config.on_complete(done);
        retirement.count();
    };
    auto handler = std::make_unique<AppHandler>(
        loop, **app, gunicorn_handler_options(config, context.listen_fds, on_complete));
    net::HttpServer server(loop, *handler, gunicorn_connection_options(config));
    use_gunicorn_tls(server, config, context.listen_fds.size());
    std::unique_ptr<net::FileWatch> watch = watch_for_reload(config, loop, retirement);
    auto longest_busy = [&handler] { return handler->longest_busy(); };
    int status = process::serve_http_worker(
        loop, server, context, gunicorn_worker_options(config, longest_busy, retirement));
    call(config.worker_exit);
    if (handler->in_flight() > 0) {
        // A fast stop with app calls still running: their threads cannot be joined.
        log::info("Worker exiting (pid: {}) with {} requests unfinished", ::getpid(),
                  handler->in_flight());
        std::_Exit(status);
    }
    return status;
}

namespace {

// gunicorn's "Listening at: http://127.0.0.1:8000 (pid)" address forms ("https://"
// with TLS).
std::string listen_url(const process::Listen& listen, bool tls) {
    const net::ListenAddress& a = listen.address;
    bool tcp = a.inherited_fd < 0 && a.unix_path.empty();
    std::string scheme = tls ? "https://" : "http://";
    return (tcp ? scheme : "") + net::describe(a);
}

}  // namespace

int run_app_server(const AppServerConfig& config) {
    log::info("Starting strata {}", kVersion);
    call(config.on_starting);  // after the line, as gunicorn's arbiter does
    process::MasterOptions options;
    options.signals = process::gunicorn_signals();
    options.messages = process::gunicorn_messages();
    options.upgrade = process::gunicorn_upgrade();  // USR2: GUNICORN_FD, "<pid>.2"
    options.worker_timeout = config.timeout;
    options.on_reload = config.on_reload;
    options.before_new_binary_fork = config.before_exec_fork;
    options.after_new_binary_fork_in_parent = config.after_exec_fork_in_parent;
    options.pre_exec = config.pre_exec;
    options.when_ready = [&config](const std::vector<int>&) {
        for (const process::Listen& listen : config.listen)
            log::info("Listening at: {} ({})", listen_url(listen, config.tls != nullptr),
                      ::getpid());
        log::info("Using worker: {}", config.threads > 1 ? "gthread" : "sync");
        call(config.when_ready);
    };
    options.pre_fork = config.pre_fork;
    options.after_fork_in_parent = config.after_fork_in_parent;
    options.post_fork = config.post_fork;
    options.child_exit = config.child_exit;
    options.nworkers_changed = config.nworkers_changed;
    options.on_exit = config.on_exit;
    options.pid_file = config.pid_file;
    options.daemon = config.daemon;
    options.graceful_timeout = config.graceful_timeout;
    options.reopen_logs = config.reopen_logs;
    options.load = [&config]() -> Result<process::Generation, std::string> {
        process::Generation generation;
        generation.listen = config.listen;
        generation.worker_processes = config.workers;
        generation.run_worker = [&config](process::WorkerContext& context) {
            if (config.run_worker) return config.run_worker(context);
            return run_app_worker(config, context);
        };
        return generation;
    };
    return process::run_master(std::move(options));
}

}  // namespace strata::gateway
