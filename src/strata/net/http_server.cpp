#include "strata/net/http_server.h"

#include <unistd.h>

#include <vector>

#include "strata/base/log.h"

namespace strata::net {

HttpServer::HttpServer(EventLoop& loop, HttpHandler& handler, HttpOptions options)
    : loop_(loop),
      handler_(handler),
      options_(std::move(options)),
      defaults_{options_, request_options_of(options_), nullptr} {}

void HttpServer::set_listener_options(int tag, ListenerOptions options) {
    if (listener_options_.count(tag) > 0) return;
    listener_options_.emplace(tag, std::make_unique<const ListenerOptions>(std::move(options)));
}

const ListenerOptions& HttpServer::options(int tag) const {
    auto it = listener_options_.find(tag);
    return it == listener_options_.end() ? defaults_ : *it->second;
}

HttpServer::~HttpServer() = default;

void HttpServer::listen(int listen_fd, int tag) {
    ListenerInfo listener{tag, bound_port(listen_fd)};
    acceptors_.push_back(std::make_unique<Acceptor>(
        loop_, listen_fd,
        [this, listener](int fd, const PeerAddress& peer) { on_accept(fd, peer, listener); }));
}

void HttpServer::on_accept(int fd, const PeerAddress& peer, const ListenerInfo& listener) {
    uint64_t limit = options_.worker_connections;
    if (limit > 0 && connections_.size() + acceptors_.size() >= limit) {
        log::alert("{} worker_connections are not enough", limit);
        ::close(fd);
        return;
    }
    ConnectionHost& host = *this;  // the base is private: convert here, inside the class
    auto connection = std::make_unique<HttpConnection>(host, fd, peer, listener);
    HttpConnection* raw = connection.get();
    connections_.emplace(raw, std::move(connection));
    raw->start();
}

// The connection is freed after the current batch of events: its own handler may still
// be on the stack.
void HttpServer::on_closed(HttpConnection& connection) {
    auto it = connections_.find(&connection);
    if (it == connections_.end()) return;
    auto owned = std::make_shared<std::unique_ptr<HttpConnection>>(std::move(it->second));
    connections_.erase(it);
    loop_.defer([owned] { owned->reset(); });
    check_drained();
}

// Deferred, so it runs after the last connection has been freed.
void HttpServer::check_drained() {
    if (!on_drained_ || !connections_.empty()) return;
    loop_.defer(std::move(on_drained_));
    on_drained_ = nullptr;
}

void HttpServer::shutdown_gracefully(std::function<void()> on_drained) {
    acceptors_.clear();
    on_drained_ = std::move(on_drained);
    std::vector<HttpConnection*> all;
    for (auto& [raw, owned] : connections_)
        all.push_back(raw);
    for (HttpConnection* c : all)
        c->close_when_idle();
    check_drained();
}

}  // namespace strata::net
