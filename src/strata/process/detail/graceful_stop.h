// A worker's graceful stop on its loop: stop accepting, let in-flight requests finish,
// then stop the loop.
#pragma once

#include <chrono>

#include "strata/net/event_loop.h"
#include "strata/net/http_server.h"
#include "strata/net/timer.h"

namespace strata::process::detail {

class GracefulStop {
  public:
    // `give_up_after`: drop what is left after this long; zero waits for as long as it
    // takes (nginx's worker_shutdown_timeout, gunicorn's --graceful-timeout).
    GracefulStop(net::EventLoop& loop, net::HttpServer& server,
                 std::chrono::milliseconds give_up_after);

    // Idempotent, on the loop thread. Keep-alive connections between requests close now;
    // connections still to send their first request are served.
    void begin();

  private:
    net::EventLoop& loop_;
    net::HttpServer& server_;
    std::chrono::milliseconds give_up_after_;
    net::Timer give_up_;
    bool begun_ = false;
};

}  // namespace strata::process::detail
