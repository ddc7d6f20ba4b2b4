// The exchange an app (wsgi_app) answers through, after the front handler has returned.
// It stands where nginx's upstream module hands a response to its filters: the app's
// head loses its Server (the front server's own is sent) and gives its Content-Type to
// the head, then add_header, expires and gzip apply as to any response; errors the
// server answers itself (the app failed) go through error_page, and so do the app's own
// error statuses with wsgi_intercept_errors (nginx's uwsgi_intercept_errors). Once the
// response's last call is made, it frees itself and the request's detached context.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "strata/web/detached_request.h"
#include "strata/web/gzip_filter.h"

namespace strata::web {

class DeferredResponse final : public net::Exchange {
  public:
    // Takes the request over from the handler's stack; lives until the response ends.
    static DeferredResponse& start(const RequestContext& ctx, bool intercept_errors);

    const http::RequestHead& request() const override { return out().request(); }
    std::string_view body() const override { return out().body(); }
    uint64_t body_size() const override { return out().body_size(); }
    int take_body_file() override { return out().take_body_file(); }
    const net::PeerAddress& peer() const override { return out().peer(); }
    const net::ListenerInfo& listener() const override { return out().listener(); }
    std::string local_address() const override { return out().local_address(); }
    const net::TlsInfo* tls() const override { return out().tls(); }

    void respond(const net::ResponseHead& head, std::string_view body) override;
    void respond_file(const net::ResponseHead& head, int fd, off_t offset,
                      uint64_t length) override;
    void respond_error(int status) override;
    void close_without_response() override;

    void begin_response(const net::ResponseHead& head, int64_t content_length) override;
    void send_body(std::string_view bytes) override;
    void send_body_file(int fd, off_t offset, uint64_t length) override;
    void end_response(bool complete) override;
    uint64_t unsent_bytes() const override;
    void set_observer(net::ExchangeObserver* observer) override { out().set_observer(observer); }

    // The request's detached context, alive as long as this response.
    RequestContext& context() { return *request_.ctx; }
    // An error page answered in place of the streamed head: the body goes nowhere.
    bool discarding() const { return discarding_; }
    // The head's Server field is the upstream's, passed on by proxy_pass_header.
    void keep_upstream_server() { keep_server_ = true; }
    // An app stands where nginx's upstream would: the response is timed in the request's
    // $upstream_addr (`peer`), $upstream_status, $upstream_response_time, … (no
    // connection is made: its connect time is 0).
    void time_as_upstream(std::string peer);

  private:
    DeferredResponse(const RequestContext& ctx, bool intercept_errors);

    net::Exchange& out() const { return *request_.exchange; }
    RequestContext& ctx() { return *request_.ctx; }
    // The app's head as the front server sends it, before gzip; nullopt when an error
    // page answered instead (the app's body is then dropped).
    std::optional<net::ResponseHead> filtered(const net::ResponseHead& head);
    bool intercepts(int status) const;
    void send_compressed(std::string_view plain, bool last);
    void finish() { delete this; }
    // The timed try, when there is one: its head, its body bytes, its end.
    void note_head(int status);
    void note_body(uint64_t bytes);
    void note_end();

    DetachedRequest request_;
    bool intercept_errors_;
    bool discarding_ = false;  // an error page answered: the app's body goes nowhere
    bool gzip_failed_ = false;
    bool keep_server_ = false;
    std::unique_ptr<GzipEncoder> gzip_;
    std::string packed_;
    std::optional<size_t> timed_try_;  // index in the context's upstream tries
    std::chrono::steady_clock::time_point started_;
};

}  // namespace strata::web
