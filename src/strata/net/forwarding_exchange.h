// An exchange standing in front of another (to log a response, to filter an app's):
// the request side is the inner exchange's, and every call a subclass does not
// override goes through unchanged.
#pragma once

#include "strata/net/http_exchange.h"

namespace strata::net {

class ForwardingExchange : public Exchange {
  public:
    const http::RequestHead& request() const override { return inner_->request(); }
    std::string_view body() const override { return inner_->body(); }
    uint64_t body_size() const override { return inner_->body_size(); }
    int take_body_file() override { return inner_->take_body_file(); }
    const PeerAddress& peer() const override { return inner_->peer(); }
    const ListenerInfo& listener() const override { return inner_->listener(); }
    std::string local_address() const override { return inner_->local_address(); }
    const TlsInfo* tls() const override { return inner_->tls(); }

    void respond(const ResponseHead& head, std::string_view body) override {
        inner_->respond(head, body);
    }
    void respond_file(const ResponseHead& head, int fd, off_t offset, uint64_t length) override {
        inner_->respond_file(head, fd, offset, length);
    }
    void respond_error(int status) override { inner_->respond_error(status); }
    void close_without_response() override { inner_->close_without_response(); }
    void begin_response(const ResponseHead& head, int64_t content_length) override {
        inner_->begin_response(head, content_length);
    }
    void send_body(std::string_view bytes) override { inner_->send_body(bytes); }
    void send_body_file(int fd, off_t offset, uint64_t length) override {
        inner_->send_body_file(fd, offset, length);
    }
    void end_response(bool complete) override { inner_->end_response(complete); }
    uint64_t unsent_bytes() const override { return inner_->unsent_bytes(); }
    void set_observer(ExchangeObserver* observer) override { inner_->set_observer(observer); }
    void set_options(const RequestOptions& options) override { inner_->set_options(options); }

  protected:
    explicit ForwardingExchange(Exchange* inner = nullptr) : inner_(inner) {}
    ~ForwardingExchange() = default;
    // For a subclass that knows its inner exchange only once its members are made.
    void forward_to(Exchange& inner) { inner_ = &inner; }
    Exchange& inner() const { return *inner_; }

  private:
    Exchange* inner_;
};

}  // namespace strata::net
