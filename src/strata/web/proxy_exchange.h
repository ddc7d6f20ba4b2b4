// One proxied request's exchange with its upstream, on the worker's loop thread (nginx's
// ngx_http_upstream for one request): pick a peer, connect (or reuse a kept connection),
// send the request head and body, read and parse the response head, then relay the body
// to the client through a DeferredResponse, which applies the front server's filters.
// A try that fails is counted against its peer and the next peer is tried as
// proxy_next_upstream allows; the answer is otherwise nginx's 502 or 504, with its
// error-log line. Each try is recorded for $upstream_addr, $upstream_status and
// $upstream_response_time. The exchange frees itself when it is done.
#pragma once

#include <cstdint>
#include <forward_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/base/buffer.h"
#include "strata/http/chunked_decoder.h"
#include "strata/http/response_parser.h"
#include "strata/net/event_loop.h"
#include "strata/net/http_exchange.h"
#include "strata/web/deferred_response.h"
#include "strata/web/proxy_body_relay.h"
#include "strata/web/proxy_redirect.h"
#include "strata/web/proxy_settings.h"
#include "strata/web/upstream_next.h"
#include "strata/web/upstream_runtime.h"
#include "strata/web/upstream_state.h"

namespace strata::web {

// What is sent, worked out once for all tries (proxy_content.cpp).
struct ProxyRequest {
    std::shared_ptr<const UpstreamGroup> group;
    bool own_group = false;  // made for this request (an address met per request)
    std::string head;        // the request head's bytes
    std::string uri;         // its target, for the error log's upstream: "…"
    std::string method;      // as sent: a response to HEAD has no body
    std::string set_body;    // proxy_set_body, expanded (used when `body_from_setting`)
    bool body_from_setting = false;
    bool send_body = true;                    // proxy_pass_request_body
    std::vector<RedirectRule> redirects;      // views of the config or of `expanded`
    std::forward_list<std::string> expanded;  // proxy_redirect values with variables
    std::string hash_key;                     // the group's `hash` key, evaluated
};

class ProxyExchange final : public net::IoHandler, public net::ExchangeObserver {
  public:
    // Takes the request over; the front handler returns and the exchange goes on.
    static void start(RequestContext& ctx, UpstreamRuntime& runtime, ProxyRequest request);

    void on_io(uint32_t events) override;
    void on_output_sent() override;
    void on_client_gone() override;

  private:
    enum class Phase : uint8_t { connecting, sending, reading_head, reading_body, done };

    ProxyExchange(RequestContext& ctx, UpstreamRuntime& runtime, ProxyRequest request);
    ~ProxyExchange();

    RequestContext& ctx();
    const ProxySettings& settings();
    net::EventLoop& loop() { return runtime_.loop(); }

    // Tries (proxy_exchange.cpp).
    void begin();
    void next_try();
    bool take_kept_connection();
    void open_connection();
    void on_connected();
    void send_request();
    bool send_body_part();
    void fail(UpstreamFailure failure, int error, std::string_view what);
    TryState try_state();
    bool retry_stale_connection(UpstreamFailure failure);
    void end_try(PeerOutcome outcome);
    void close_connection();
    void keep_connection();
    void answer_error(int status);
    void log_upstream(log::Level level, std::string_view message);
    std::string_view action() const;
    UpstreamTry& current_try() { return ctx().upstream_tries.back(); }
    void arm(uint64_t timeout_ms);
    void on_timeout();
    void retire();

    // The response (proxy_exchange_read.cpp).
    void read_response();
    bool read_some();
    void parse_head();
    void on_head();
    bool retry_for_status();
    void forward_head();
    void read_body();
    bool relay_body();
    bool relay_chunked();
    void finish_body(bool complete);
    void body_failed(std::string_view message, int error);
    void abort_for_client();

    RequestContext* ctx_ = nullptr;  // the DeferredResponse's
    DeferredResponse& out_;
    UpstreamRuntime& runtime_;
    ProxyRequest request_;
    std::unique_ptr<UpstreamGroupState> own_state_;  // for request_.own_group
    UpstreamGroupState* state_ = nullptr;
    PeerSelection selection_;
    std::size_t peer_ = 0;
    bool has_peer_ = false;
    uint64_t tries_left_ = 0;
    uint64_t first_try_ms_ = 0, try_start_ms_ = 0;

    int fd_ = -1;
    bool cached_ = false;  // a kept connection, used again
    bool stale_retried_ = false;
    uint64_t connection_requests_ = 0, connection_opened_ms_ = 0;
    Phase phase_ = Phase::connecting;
    size_t head_sent_ = 0;
    uint64_t body_sent_ = 0;
    bool request_sent_ = false;
    int body_file_ = -1;  // the client's spooled body, if it was spooled

    Buffer input_;
    http::ResponseParser parser_;
    http::ChunkedDecoder chunked_;
    uint64_t body_left_ = 0;  // of a Content-Length body
    bool upstream_eof_ = false;
    std::optional<ProxyBodyRelay> relay_;
    bool response_begun_ = false;
    bool client_gone_ = false;
    bool retired_ = false;
    bool reading_ = false;  // inside read_body(): a call from the relay only notes it
    net::Timer timer_;
};

}  // namespace strata::web
