// One HTTP/2 stream as handlers see it: an Exchange like an HTTP/1 request. Its head is
// built from the HEADERS frames (pseudo-headers become method, target and Host), its
// body is read whole before the handler runs, and its response is queued here for the
// session to frame as HEADERS and DATA. Finished streams are reused (Http2StreamPool),
// so their buffers keep their capacity from one request to the next.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "strata/net/http_exchange.h"
#include "strata/net/request_body.h"

namespace strata::net {

class Http2Session;

class Http2Stream final : public Exchange {
  public:
    Http2Stream(Http2Session& session, int32_t id);
    ~Http2Stream();
    Http2Stream(const Http2Stream&) = delete;
    Http2Stream& operator=(const Http2Stream&) = delete;

    int32_t id() const { return id_; }
    // Forgets the finished request and response (files closed, body freed), keeping the
    // buffers' capacity; then open() starts the next stream, perhaps of another session.
    void recycle();
    void open(Http2Session& session, int32_t id);

    // While the HEADERS arrive. false: the fields pass the size limit (431 at their end).
    bool add_field(std::string_view name, std::string_view value);
    // Trailers (a later HEADERS) are dropped, but a block that decodes past the head's
    // limit (an HPACK bomb) is not read on: false then, and the stream is reset.
    bool count_trailer_field(size_t bytes) { return (trailer_bytes_ += bytes) <= field_limit_; }
    // The head is complete; `ends_stream`: no body follows.
    void finish_head(bool ends_stream);
    // false: the body could not be stored, or passes the limit (answered already).
    bool add_body(std::string_view bytes);
    // The whole request is here: the handler gets it.
    void dispatch();

    // Response bytes the next DATA frame can carry, up to `length`; `end` when they are
    // the last. 0 and not `end`: nothing yet (the session defers the stream).
    size_t data_ready(size_t length, bool& end) const;
    // Moves up to `length` of them into `buf`; -1 when a file failed to read.
    ssize_t take_data(char* buf, size_t length, bool& end);
    // Tells the observer of a streamed response that queued bytes went out.
    void notify_output_sent();
    // The peer reset the stream or the connection went away.
    void on_closed();
    bool awaiting_response() const { return awaiting_response_ || streaming_; }
    // When the stream's body must next have progressed (client_body_timeout, renewed by
    // each DATA frame); 0 while no body is awaited.
    uint64_t body_deadline() const { return body_deadline_ms_; }
    // It did not: logged as 408 and reset with PROTOCOL_ERROR, as nginx does.
    void time_out_body();
    // The response's last frame is queued: a body still arriving is refused with
    // RST_STREAM(NO_ERROR) once it has gone out (RFC 9113 §8.1).
    bool reset_after_response() const { return reset_after_response_; }

    // Exchange
    const http::RequestHead& request() const override { return head_; }
    std::string_view body() const override { return body_.memory(); }
    uint64_t body_size() const override { return body_.size(); }
    int take_body_file() override { return body_.take_file(); }
    const PeerAddress& peer() const override;
    const ListenerInfo& listener() const override;
    std::string local_address() const override;
    const TlsInfo* tls() const override;
    void respond(const ResponseHead& head, std::string_view body) override;
    void respond_file(const ResponseHead& head, int fd, off_t offset, uint64_t length) override;
    void respond_error(int status) override;
    void close_without_response() override;
    void begin_response(const ResponseHead& head, int64_t content_length) override;
    void send_body(std::string_view bytes) override;
    void send_body_file(int fd, off_t offset, uint64_t length) override;
    void end_response(bool complete) override;
    uint64_t unsent_bytes() const override { return pending_bytes_; }
    void set_observer(ExchangeObserver* observer) override { observer_ = observer; }
    void set_options(const RequestOptions& options) override { options_ = &options; }

  private:
    struct Piece {
        std::string bytes;  // when fd < 0
        int fd = -1;
        off_t offset = 0;     // of the next byte, in the file or in `bytes`
        uint64_t length = 0;  // bytes of the piece not yet taken
    };

    // Where a field's text sits in head_text_ (which moves while it grows).
    struct Span {
        uint32_t at = 0;
        uint32_t size = 0;
    };
    struct FieldSpans {
        Span name, value;
    };

    Span keep(std::string_view text);
    std::string_view view(Span span) const;
    void build_head();
    bool take_response();
    bool sends_body(int status) const;
    // HEADERS for `head`; the DATA frames follow from the queued pieces unless
    // `with_body` is false (END_STREAM on the HEADERS).
    void submit(const ResponseHead& head, int64_t content_length, bool with_body);
    Piece copied(std::string_view bytes);
    void queue(Piece piece);
    void reject(int status, Rejection::Stage stage, bool respond = true);
    void renew_body_deadline();

    Http2Session* session_;
    int32_t id_;
    http::RequestHead head_;
    // The fields' text as they arrive, names and values back to back: what the head's
    // views point into once it is built, all in one buffer.
    std::string head_text_;
    Span method_, path_, authority_;
    std::string cookies_;  // crumbs joined, moved into head_text_ at the end
    std::vector<FieldSpans> fields_;
    uint64_t field_bytes_ = 0;
    uint64_t trailer_bytes_ = 0;
    uint64_t field_limit_ = 0;  // the listener's limit on them (431 beyond)
    bool too_large_ = false;
    RequestBodyStore body_;
    const RequestOptions* options_;
    ExchangeObserver* observer_ = nullptr;
    std::deque<Piece> pieces_;
    std::string spare_bytes_;  // a taken piece's buffer, for the next one
    uint64_t pending_bytes_ = 0;
    bool awaiting_response_ = false;  // the handler holds the exchange
    bool streaming_ = false;
    bool ended_ = false;  // every response byte is queued
    bool closed_ = false;
    bool rejected_ = false;
    bool reset_after_response_ = false;
    bool output_sent_ = false;  // take_data() moved bytes since the last notify
    bool timed_out_ = false;    // its body stalled: reset with PROTOCOL_ERROR
    uint64_t body_deadline_ms_ = 0;
};

}  // namespace strata::net
