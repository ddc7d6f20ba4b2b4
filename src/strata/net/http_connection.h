// One client connection speaking HTTP/1.x: reads and parses requests, reads their
// bodies completely, hands each to the handler, writes responses in request order.
// Lives on one loop thread; timeouts, back-pressure and lingering close as nginx does.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "strata/base/buffer.h"
#include "strata/http/chunked_decoder.h"
#include "strata/http/request_parser.h"
#include "strata/net/event_loop.h"
#include "strata/net/http2_session.h"
#include "strata/net/http_exchange.h"
#include "strata/net/http_options.h"
#include "strata/net/listener.h"
#include "strata/net/output_queue.h"
#include "strata/net/request_body.h"
#include "strata/net/tls_stream.h"
#include "strata/net/transport.h"

namespace strata::net {

class HttpConnection;

// What a connection needs from the server that owns it.
class ConnectionHost {
  public:
    virtual EventLoop& loop() = 0;
    // What connections accepted on the socket tagged `tag` start with.
    virtual const ListenerOptions& options(int tag) const = 0;
    virtual HttpHandler& handler() = 0;
    virtual std::string_view http_date() = 0;
    // The connection is closed; the host frees it after the current event.
    virtual void on_closed(HttpConnection& connection) = 0;

  protected:
    ~ConnectionHost() = default;
};

class HttpConnection final : public IoHandler, private Exchange, private Http2Host {
  public:
    HttpConnection(ConnectionHost& host, int fd, const PeerAddress& peer,
                   const ListenerInfo& listener = {});
    ~HttpConnection();
    HttpConnection(const HttpConnection&) = delete;
    HttpConnection& operator=(const HttpConnection&) = delete;

    void start();
    void on_io(uint32_t events) override;
    // Closes now if no request is in progress, else after the current response.
    void close_when_idle();
    // Between requests of a keep-alive connection. A connection that has not yet sent
    // its first request is not idle: its request may be on the wire, and closing it
    // would fail that request.
    bool idle() const {
        if (h2_) return h2_->idle() && output_.empty();
        return requests_ > 0 && state_ == State::reading_head && input_.empty() && output_.empty();
    }

  private:
    enum class State : uint8_t { reading_head, reading_body, handling, lingering, closed };

    // Exchange
    const http::RequestHead& request() const override { return parser_.head(); }
    std::string_view body() const override { return body_.memory(); }
    uint64_t body_size() const override { return body_.size(); }
    int take_body_file() override { return body_.take_file(); }
    const PeerAddress& peer() const override { return peer_; }
    const ListenerInfo& listener() const override { return listener_; }
    std::string local_address() const override;
    const TlsInfo* tls() const override { return tls_.get(); }
    void respond(const ResponseHead& head, std::string_view body) override;
    void respond_file(const ResponseHead& head, int fd, off_t offset, uint64_t length) override;
    void respond_error(int status) override;
    void append_chunked(std::string_view body);
    void close_without_response() override;
    void begin_response(const ResponseHead& head, int64_t content_length) override;
    void send_body(std::string_view bytes) override;
    void send_body_file(int fd, off_t offset, uint64_t length) override;
    void end_response(bool complete) override;
    uint64_t unsent_bytes() const override { return output_.pending_bytes(); }
    void set_observer(ExchangeObserver* observer) override { observer_ = observer; }
    void set_options(const RequestOptions& options) override { request_options_ = &options; }

    enum class ReadOutcome : uint8_t { closed, drained, more };

    // Http2Host (peer(), listener(), local_address() and tls() serve both bases)
    HttpHandler& handler() override { return host_.handler(); }
    std::string_view http_date() override { return host_.http_date(); }
    const ListenerOptions& listener_options() const override { return listener_options_; }
    void on_output_ready() override;
    void on_stream_released() override;
    uint64_t now_ms() const override;

    void on_readable();
    void resume_reading_later();
    bool handshake();
    // HTTP/2: the session takes the connection over; reads feed it, writes drain it.
    bool starts_http2();
    void start_http2();
    void http2_read();
    void http2_write();
    Transport transport() const { return Transport(fd_, tls_.get()); }
    void on_writable();
    ReadOutcome read_input();
    void process();
    bool parse_head();
    bool read_body();
    bool read_length_body(std::string_view available);
    bool read_chunked_body(std::string_view available);
    bool store_body(std::string_view bytes);
    void start_body();
    void dispatch();
    void reject(int status, Rejection::Stage stage = Rejection::Stage::head, bool respond = true);
    void reject_unfinished(int status);
    bool body_fits(const http::RequestHead& head);
    bool take_response();

    bool keep_alive_after(const ResponseHead& head) const;
    void write_head(const ResponseHead& head, int64_t content_length, bool keep_alive);
    void finish_request(bool keep_alive);
    void flush();
    void after_flush();
    void linger();
    void discard_input();
    void close();
    void update_timer();
    void on_timeout();
    const HttpOptions& options() const { return listener_options_.http; }
    const RequestOptions& request_options() const { return *request_options_; }

    ConnectionHost& host_;
    int fd_;
    PeerAddress peer_;
    ListenerInfo listener_;
    const ListenerOptions& listener_options_;
    // The current (or last) request's: its location's once the handler said so.
    const RequestOptions* request_options_;
    State state_ = State::reading_head;
    Buffer input_;
    RequestBodyStore body_;
    OutputQueue output_;
    http::RequestParser parser_;
    http::ChunkedDecoder chunked_;
    Timer timer_;
    ExchangeObserver* observer_ = nullptr;
    std::unique_ptr<TlsStream> tls_;  // on a `listen … ssl` socket, once it begins
    std::unique_ptr<Http2Session> h2_;
    bool h2_busy_ = false;         // inside the session: its caller writes the output after
    size_t head_size_ = 0;         // bytes of the current head at the front of input_
    uint64_t body_remaining_ = 0;  // Content-Length bytes still to read
    uint64_t requests_ = 0;
    uint64_t lingering_deadline_ = 0;   // monotonic ms
    const char* input_base_ = nullptr;  // where the head's views point
    bool header_timer_armed_ = false;
    bool handshaking_ = false;  // TLS: no request until the handshake is done
    bool plain_on_tls_port_ = false;
    bool peer_closed_ = false;        // EOF read: no more requests will come
    bool hangup_signalled_ = false;   // epoll said the peer shut down: read to the EOF
    bool read_paused_ = false;        // back-pressure stopped reading or parsing; input waits
    bool awaiting_response_ = false;  // the handler holds the exchange
    bool close_after_flush_ = false;
    bool draining_ = false;  // graceful stop: no more keep-alive
    bool linger_on_close_ = false;
    bool processing_ = false;        // inside process(): flush once at its end
    bool in_readable_ = false;       // inside on_readable(): its loop resumes reading
    bool resume_scheduled_ = false;  // a deferred on_readable() is queued (read budget spent)
    // A streamed response (begin_response … end_response).
    bool streaming_ = false;
    bool stream_keep_alive_ = false;
    bool stream_sends_body_ = false;
    bool stream_chunked_ = false;
};

}  // namespace strata::net
