// Runs an App as gunicorn runs one: a master binding the listeners and forking worker
// processes, each an event loop with its app threads. The WSGI command line and native
// C++ apps (examples/native/) both start their servers here.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "strata/base/result.h"
#include "strata/gateway/app.h"
#include "strata/gateway/app_handler.h"
#include "strata/http/limits.h"
#include "strata/net/tls_context.h"
#include "strata/process/listener_set.h"
#include "strata/process/worker.h"

namespace strata::gateway {

struct AppServerConfig {
    std::vector<process::Listen> listen;
    unsigned workers = 1;
    unsigned threads = 1;
    std::chrono::milliseconds timeout{30'000};           // an app call longer than this: abort
    std::chrono::milliseconds graceful_timeout{30'000};  // TERM: in-flight requests get this long
    std::chrono::milliseconds keepalive{2'000};          // idle keep-alive connections close after
    uint64_t max_requests = 0;                           // 0: workers live on
    uint64_t max_requests_jitter = 0;
    http::Limits limits = http::Limits::gunicorn();
    uint64_t body_memory_limit = 1024 * 1024;  // larger request bodies spool to a temp file
    RequestSettings request;
    std::string pid_file;
    bool daemon = false;
    // gunicorn's --certfile: every listener speaks TLS with this context, made in the
    // master before fork so a session ticket from one worker resumes in another. Null:
    // plain HTTP.
    std::shared_ptr<const net::TlsListener> tls;
    // Loads the app, in each worker after fork (or once in the master when preloaded:
    // then this hands out the loaded one). An error is printed and the master stops.
    std::function<Result<std::shared_ptr<App>, std::string>()> load_app;
    std::function<void(const AccessRecord&)> on_complete;  // each worker's loop thread
    std::function<void()> reopen_logs;                     // USR1, in every process

    // gunicorn's server hooks; all optional. Master side:
    std::function<void()> on_starting;  // before the listeners are bound
    std::function<void()> on_reload;
    std::function<void()> when_ready;
    std::function<void(unsigned slot)> pre_fork;
    std::function<void()> after_fork_in_parent;
    std::function<void(pid_t pid, int wait_status)> child_exit;
    std::function<void(unsigned new_value, unsigned old_value)> nworkers_changed;
    std::function<void()> on_exit;
    // USR2's re-exec: around the fork of the new master (the interpreter's fork
    // protocol), and in that child just before exec (gunicorn's pre_exec; false: the
    // child exits and this master serves on).
    std::function<void()> before_exec_fork;
    std::function<void()> after_exec_fork_in_parent;
    std::function<bool()> pre_exec;
    // Worker side, in the worker process:
    std::function<void(const process::WorkerContext&)> post_fork;
    std::function<void()> post_worker_init;  // the app is loaded
    std::function<void()> worker_int;        // INT/QUIT
    std::function<void()> worker_abort;      // the master's SIGABRT after --timeout
    std::function<void()> worker_exit;       // the worker is about to exit
    // gunicorn's --reload: the files to watch, asked once the app is loaded; a change to
    // any of them retires the worker, and its replacement imports the app afresh.
    std::function<std::vector<std::string>()> reload_files;
    // The (jittered) request count after which this worker retires; 0: never.
    std::function<uint64_t()> max_requests_for_worker;
    // How each worker serves; empty: run_app_worker (native apps). `strata wsgi` runs
    // the front server's worker on its configuration (cli/wsgi_front_config.h).
    std::function<int(process::WorkerContext&)> run_worker;
};

// Runs the master until it stops; returns the exit status (1 when the listeners cannot
// be bound, process::kWorkerBootFailed when the app cannot load).
int run_app_server(const AppServerConfig& config);

// The worker's side, run in each forked worker (exposed for tests).
int run_app_worker(const AppServerConfig& config, process::WorkerContext& context);

}  // namespace strata::gateway

namespace strata::gateway {

// For native apps: reads gunicorn's server flags (--workers, --threads, --bind, …) from
// the command line, then runs the server with apps made by `make_app` in each worker.
int serve_from_command_line(int argc, char** argv, std::function<std::shared_ptr<App>()> make_app);

}  // namespace strata::gateway
