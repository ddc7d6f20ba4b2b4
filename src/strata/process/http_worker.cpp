#include "strata/process/http_worker.h"

#include "strata/base/log.h"
#include "strata/net/timer.h"

namespace strata::process {
namespace {

uint64_t to_ms(std::chrono::milliseconds duration) {
    return static_cast<uint64_t>(std::max<int64_t>(duration.count(), 0));
}

// A graceful stop on the loop: stop accepting and close keep-alive connections between
// requests now (connections still to send their first request are served), give up on
// the rest after the shutdown timeout (if there is one).
class GracefulStop {
  public:
    GracefulStop(net::EventLoop& loop, net::HttpServer& server, const HttpWorkerOptions& options)
        : loop_(loop), server_(server), options_(options) {
        give_up_.set_callback([this] {
            log::warn("worker shutdown timed out, closing {} connections",
                      server_.connection_count());
            loop_.stop();
        });
    }

    void begin() {
        if (begun_) return;
        begun_ = true;
        server_.shutdown_gracefully([this] { loop_.stop(); });
        if (options_.shutdown_timeout.count() > 0) {
            loop_.arm(give_up_, to_ms(options_.shutdown_timeout));
        }
    }

  private:
    net::EventLoop& loop_;
    net::HttpServer& server_;
    const HttpWorkerOptions& options_;
    net::Timer give_up_;
    bool begun_ = false;
};

}  // namespace

int serve_http_worker(net::EventLoop& loop, net::HttpServer& server, const WorkerContext& context,
                      HttpWorkerOptions options) {
    // Each socket's index is its tag: the front end maps it back to its listen address.
    for (size_t i = 0; i < context.listen_fds.size(); ++i)
        server.listen(context.listen_fds[i], static_cast<int>(i));
    GracefulStop graceful(loop, server, options);
    WorkerSignals::Handlers handlers;
    handlers.graceful_stop = [&graceful] { graceful.begin(); };
    handlers.fast_stop = [&loop] { loop.stop(); };
    handlers.reopen_logs = options.reopen_logs;
    WorkerSignals signals(loop, *context.signals, std::move(handlers));
    loop.run();
    return 0;
}

}  // namespace strata::process
