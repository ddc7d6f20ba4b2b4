// The parts of a worker that speaks gunicorn (`strata wsgi`, native apps): its connection
// options and TLS on every listener, the app's handler options, --max-requests and
// --reload. Each way a worker is run builds on these.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "strata/gateway/app_handler.h"
#include "strata/gateway/app_server.h"
#include "strata/net/event_loop.h"
#include "strata/net/file_watch.h"
#include "strata/net/http_server.h"
#include "strata/process/http_worker.h"

namespace strata::gateway {

// gunicorn's limits, keep-alive, error pages and body spooling.
net::HttpOptions gunicorn_connection_options(const AppServerConfig& config);

// gunicorn's TLS is the same on every listener. A plain HTTP request there fails the
// handshake and the connection closes, as gunicorn's ssl.wrap_socket does.
void use_gunicorn_tls(net::HttpServer& server, const AppServerConfig& config, size_t listeners);

// The app's handler on a worker listening on `listen_fds`; `on_complete` after each
// response.
AppHandlerOptions gunicorn_handler_options(const AppServerConfig& config,
                                           const std::vector<int>& listen_fds,
                                           std::function<void(const AccessRecord&)> on_complete);

// gunicorn's --max-requests: after that many responses the worker says `message`,
// finishes what it has and exits; the master starts a fresh one.
class Retirement {
  public:
    explicit Retirement(uint64_t limit,
                        std::string message = "Autorestarting worker after current request.")
        : limit_(limit), message_(std::move(message)) {}
    void set_retire(std::function<void()> retire) { retire_ = std::move(retire); }
    void retire_now() {
        if (retire_) retire_();
    }
    void count();

  private:
    uint64_t limit_;
    std::string message_;
    uint64_t served_ = 0;
    std::function<void()> retire_;
};

// What the heartbeat reports for the oldest app call running `longest_busy` (0: none).
uint64_t busy_since(std::chrono::milliseconds longest_busy);

// The worker's serving options: --graceful-timeout, USR1, the hooks at its stops, the
// heartbeat's busy time of `handlers`' app calls, and the retirement's start.
process::HttpWorkerOptions gunicorn_worker_options(
    const AppServerConfig& config, std::function<std::chrono::milliseconds()> longest_busy,
    Retirement& retirement);

// gunicorn's reloader: the worker leaves on the first change, once. Null without --reload.
std::unique_ptr<net::FileWatch> watch_for_reload(const AppServerConfig& config,
                                                 net::EventLoop& loop, Retirement& retirement);

}  // namespace strata::gateway
