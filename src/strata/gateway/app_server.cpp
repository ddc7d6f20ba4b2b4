#include "strata/gateway/app_server.h"

#include <unistd.h>

#include <cstdlib>

#include "strata/base/log.h"
#include "strata/net/event_loop.h"
#include "strata/net/http_server.h"
#include "strata/process/http_worker.h"
#include "strata/process/master.h"

namespace strata::gateway {
namespace {

net::HttpOptions connection_options(const AppServerConfig& config) {
    net::HttpOptions o;
    o.parser.limits = config.limits;
    o.keepalive_timeout_ms = static_cast<uint64_t>(config.keepalive.count());
    o.body_memory_limit = config.body_memory_limit;
    if (const char* tmp = std::getenv("TMPDIR"); tmp && *tmp) o.body_temp_dir = tmp;
    return o;
}

}  // namespace

int run_app_worker(const AppServerConfig& config, process::WorkerContext& context) {
    auto app = config.load_app();
    if (!app) {
        log::error("{}", app.error());
        return process::kWorkerBootFailed;
    }
    net::EventLoop loop;
    AppHandlerOptions options;
    options.threads = config.threads;
    options.request = config.request;
    options.on_complete = config.on_complete;
    auto handler = std::make_unique<AppHandler>(loop, **app, options);
    net::HttpServer server(loop, *handler, connection_options(config));
    process::HttpWorkerOptions worker;
    worker.shutdown_timeout = config.graceful_timeout;
    worker.reopen_logs = config.reopen_logs;
    int status = process::serve_http_worker(loop, server, context, worker);
    if (handler->in_flight() > 0) {
        // A fast stop with app calls still running: their threads cannot be joined.
        log::notice("worker exiting with {} requests unfinished", handler->in_flight());
        std::_Exit(status);
    }
    return status;
}

int run_app_server(const AppServerConfig& config) {
    process::MasterOptions options;
    options.signals = process::gunicorn_signals();
    options.pid_file = config.pid_file;
    options.daemon = config.daemon;
    options.graceful_timeout = config.graceful_timeout;
    options.reopen_logs = config.reopen_logs;
    options.load = [&config]() -> Result<process::Generation, std::string> {
        process::Generation generation;
        generation.listen = config.listen;
        generation.worker_processes = config.workers;
        generation.run_worker = [&config](process::WorkerContext& context) {
            return run_app_worker(config, context);
        };
        return generation;
    };
    return process::run_master(std::move(options));
}

}  // namespace strata::gateway
