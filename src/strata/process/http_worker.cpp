#include "strata/process/http_worker.h"

#include <optional>

#include "strata/process/detail/graceful_stop.h"
#include "strata/process/detail/heartbeat_pacer.h"

namespace strata::process {
namespace {

// The worker's side of the master's signals, with the caller's hooks in front of the
// default actions. `status` is what serve_http_worker returns.
WorkerSignals::Handlers signal_handlers(net::EventLoop& loop, detail::GracefulStop& graceful,
                                        const HttpWorkerOptions& options, int& status) {
    WorkerSignals::Handlers handlers;
    handlers.graceful_stop = [&graceful] { graceful.begin(); };
    handlers.fast_stop = [&loop, &options] {
        if (options.on_fast_stop) options.on_fast_stop();
        loop.stop();
    };
    handlers.reopen_logs = options.reopen_logs;
    if (options.on_abort) {
        handlers.abort = [&loop, &options, &status] {
            options.on_abort();
            status = 1;  // gunicorn's worker leaves with sys.exit(1)
            loop.stop();
        };
    }
    return handlers;
}

LogLine signal_line(const WorkerContext& context) {
    return context.messages != nullptr ? context.messages->worker_signal
                                       : nginx_messages().worker_signal;
}

}  // namespace

int serve_http_worker(net::EventLoop& loop, net::HttpServer& server, const WorkerContext& context,
                      HttpWorkerOptions options) {
    // Each socket's index is its tag: the front end maps it back to its listen address.
    for (size_t i = 0; i < context.listen_fds.size(); ++i)
        server.listen(context.listen_fds[i], static_cast<int>(i));
    detail::GracefulStop graceful(loop, server, options.shutdown_timeout);
    int status = 0;
    WorkerSignals signals(loop, *context.signals, signal_handlers(loop, graceful, options, status),
                          signal_line(context));
    std::optional<detail::HeartbeatPacer> pacer;
    if (context.heartbeat != nullptr) {
        pacer.emplace(loop, *context.heartbeat, beat_interval(context.worker_timeout),
                      options.busy_since);
    }
    if (options.on_started) {
        // Posted, so any thread may retire the worker and the stop begins on the loop.
        options.on_started([&loop, &graceful] { loop.post([&graceful] { graceful.begin(); }); });
    }
    loop.run();
    return status;
}

}  // namespace strata::process
