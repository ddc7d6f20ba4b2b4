// The worker side for HTTP front ends: serve on the master's listeners until told to
// stop, stopping the way the master asks.
#pragma once

#include <chrono>
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
};

// Listens on every descriptor of `context` and runs `loop`. A graceful stop stops
// accepting and returns once the last connection has closed (or the shutdown timeout
// passed); a fast stop returns at once. Returns the worker's exit status.
int serve_http_worker(net::EventLoop& loop, net::HttpServer& server, const WorkerContext& context,
                      HttpWorkerOptions options = {});

}  // namespace strata::process
