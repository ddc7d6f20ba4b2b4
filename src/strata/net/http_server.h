// An HTTP/1 server on one event loop: accepts on its listening sockets and owns the
// connections until they close.
#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "strata/base/http_date.h"
#include "strata/net/event_loop.h"
#include "strata/net/http_connection.h"
#include "strata/net/http_options.h"
#include "strata/net/listener.h"

namespace strata::net {

class HttpServer final : private ConnectionHost {
  public:
    HttpServer(EventLoop& loop, HttpHandler& handler, HttpOptions options = {});
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Starts accepting on a listening socket (the server does not close it). Requests
    // accepted there carry `tag` (Exchange::listener()).
    void listen(int listen_fd, int tag = 0);
    // The options of connections accepted on sockets tagged `tag`; sockets without their
    // own use the server's. Set once per tag (connections refer to them): a later call for
    // the same tag is ignored.
    void set_listener_options(int tag, ListenerOptions options);
    // Stops accepting. Connections still queued on the socket stay there for whoever
    // else listens on it (the other workers).
    // Stops accepting; idle connections close now, busy ones after their response.
    // `on_drained` runs on the loop once the last connection is gone (right after the
    // current event if none is left).
    void shutdown_gracefully(std::function<void()> on_drained = {});
    size_t connection_count() const { return connections_.size(); }

  private:
    EventLoop& loop() override { return loop_; }
    const ListenerOptions& options(int tag) const override;
    HttpHandler& handler() override { return handler_; }
    std::string_view http_date() override { return dates_.get(loop_.wall_seconds()); }
    void on_closed(HttpConnection& connection) override;

    void on_accept(int fd, const PeerAddress& peer, const ListenerInfo& listener);
    void check_drained();

    EventLoop& loop_;
    HttpHandler& handler_;
    HttpOptions options_;
    ListenerOptions defaults_;
    // By tag; the connections keep references, so entries never move.
    std::unordered_map<int, std::unique_ptr<const ListenerOptions>> listener_options_;
    HttpDateCache dates_;
    std::vector<std::unique_ptr<Acceptor>> acceptors_;
    std::unordered_map<HttpConnection*, std::unique_ptr<HttpConnection>> connections_;
    std::function<void()> on_drained_;
};

}  // namespace strata::net
