#include "strata/net/http_server.h"

#include <vector>

namespace strata::net {

HttpServer::HttpServer(EventLoop& loop, HttpHandler& handler, HttpOptions options)
    : loop_(loop), handler_(handler), options_(std::move(options)) {}

HttpServer::~HttpServer() = default;

void HttpServer::listen(int listen_fd) {
    acceptors_.push_back(std::make_unique<Acceptor>(
        loop_, listen_fd, [this](int fd, const PeerAddress& peer) { on_accept(fd, peer); }));
}

void HttpServer::on_accept(int fd, const PeerAddress& peer) {
    ConnectionHost& host = *this;  // the base is private: convert here, inside the class
    auto connection = std::make_unique<HttpConnection>(host, fd, peer);
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
}

void HttpServer::shutdown_gracefully() {
    acceptors_.clear();
    std::vector<HttpConnection*> all;
    for (auto& [raw, owned] : connections_)
        all.push_back(raw);
    for (HttpConnection* c : all)
        c->close_when_idle();
}

}  // namespace strata::net
