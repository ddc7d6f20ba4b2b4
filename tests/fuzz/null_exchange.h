// An Exchange that holds an empty request and drops every response: what a
// RequestContext needs to exist when a target only calls the web layer's pure parts.
#pragma once

#include <string>

#include "strata/net/http_exchange.h"

namespace strata::fuzz {

class NullExchange final : public net::Exchange {
  public:
    const http::RequestHead& request() const override { return head_; }
    std::string_view body() const override { return {}; }
    uint64_t body_size() const override { return 0; }
    int take_body_file() override { return -1; }
    const net::PeerAddress& peer() const override { return peer_; }
    const net::ListenerInfo& listener() const override { return listener_; }
    std::string local_address() const override { return "127.0.0.1"; }
    const net::TlsInfo* tls() const override { return nullptr; }
    void respond(const net::ResponseHead&, std::string_view) override {}
    void respond_file(const net::ResponseHead&, int, off_t, uint64_t) override {}
    void respond_error(int) override {}
    void close_without_response() override {}
    void begin_response(const net::ResponseHead&, int64_t) override {}
    void send_body(std::string_view) override {}
    void send_body_file(int, off_t, uint64_t) override {}
    void end_response(bool) override {}
    uint64_t unsent_bytes() const override { return 0; }
    void set_observer(net::ExchangeObserver*) override {}

  private:
    http::RequestHead head_;
    net::PeerAddress peer_;
    net::ListenerInfo listener_;
};

}  // namespace strata::fuzz
