// The worker side for HTTP front ends: serve on the master's listeners until told to
// stop, stopping the way the master asks.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

#include "strata/net/event_loop.h"
#include "strata/net/http_server.h"
#include "strata/process/worker.h"

namespace strata::process {

struct HttpWorkerOptions {
    // A graceful stop waits this long for in-flight requests, then drops what is left
    // (nginx's worker_shutdown_timeout; gunicorn's --graceful-timeout). Zero waits for
    // as long as they take, as nginx does by default.
    std::chrono::milliseconds shutdown_timeout{0};
    std::function<void()> reopen_logs;  // on the loop thread

    // What the heartbeat reports when the master watches for hung workers: the
    // monotonic_ms() at which the oldest app call still running started, 0 when none is.
    // Called on the loop thread. Empty: never busy.
    std::function<uint64_t()> busy_since;
    // gunicorn's worker_int: a fast stop (INT/QUIT for gunicorn) arrived; runs on the
    // loop thread just before the loop stops. The worker then exits 0.
    std::function<void()> on_fast_stop;
    // gunicorn's worker_abort: the master's SIGABRT after a timeout; runs on the loop
    // thread, then the loop stops and the worker exits 1. Empty: SIGABRT keeps its
    // default action.
    std::function<void()> on_abort;
    // Called once on the loop thread before serving starts, with `retire`: calling it
    // (from any thread, while serve_http_worker runs) begins a graceful stop from within
    // the worker (gunicorn's --max-requests): stop accepting, finish what is in flight,
    // exit 0. The master replaces a worker that leaves this way at once.
    std::function<void(std::function<void()> retire)> on_started;
};

// Listens on every descriptor of `context` and runs `loop`. A graceful stop stops
// accepting and returns once the last connection has closed (or the shutdown timeout
// passed); a fast stop returns at once. Beats context.heartbeat when there is one.
// Returns the worker's exit status.
int serve_http_worker(net::EventLoop& loop, net::HttpServer& server, const WorkerContext& context,
                      HttpWorkerOptions options = {});

}  // namespace strata::process
