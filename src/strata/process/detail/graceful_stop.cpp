#include "strata/process/detail/graceful_stop.h"

#include "strata/base/log.h"

namespace strata::process::detail {

GracefulStop::GracefulStop(net::EventLoop& loop, net::HttpServer& server,
                           std::chrono::milliseconds give_up_after)
    : loop_(loop), server_(server), give_up_after_(give_up_after) {
    give_up_.set_callback([this] {
        log::warn("worker shutdown timed out, closing {} connections", server_.connection_count());
        loop_.stop();
    });
}

void GracefulStop::begin() {
    if (begun_) return;
    begun_ = true;
    server_.shutdown_gracefully([this] { loop_.stop(); });
    if (give_up_after_.count() > 0)
        loop_.arm(give_up_, static_cast<uint64_t>(give_up_after_.count()));
}

}  // namespace strata::process::detail
