// HTTP/2 on one connection (RFC 9113), with libnghttp2 doing the framing, HPACK and flow
// control: bytes read from the client go in, frames to send come out, and each stream is
// an Exchange for the same handler HTTP/1 requests go to. The connection does the I/O.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "strata/base/buffer.h"
#include "strata/net/http_exchange.h"
#include "strata/net/http_options.h"

using nghttp2_session = struct nghttp2_session;

namespace strata::net {

class Http2Stream;

// What a session needs from the connection it runs on.
class Http2Host {
  public:
    virtual HttpHandler& handler() = 0;
    virtual std::string_view http_date() = 0;
    virtual const PeerAddress& peer() const = 0;
    virtual const ListenerInfo& listener() const = 0;
    virtual std::string local_address() const = 0;
    virtual const TlsInfo* tls() const = 0;
    virtual const ListenerOptions& listener_options() const = 0;
    // A stream has frames to send outside the connection's own processing (a late
    // response, more of a streamed body).
    virtual void on_output_ready() = 0;
    // A stream whose connection was gone got its response: the last one frees it.
    virtual void on_stream_released() = 0;
    // The loop's clock, for the streams' body deadlines.
    virtual uint64_t now_ms() const = 0;

  protected:
    ~Http2Host() = default;
};

class Http2Session {
  public:
    explicit Http2Session(Http2Host& host);
    ~Http2Session();
    Http2Session(const Http2Session&) = delete;
    Http2Session& operator=(const Http2Session&) = delete;

    // Bytes read from the client. false: a connection error; a GOAWAY is queued, the
    // connection writes it and closes.
    bool receive(std::string_view bytes);
    // Appends frames to send to `out` until it holds `limit` bytes or none are left.
    // Returns the bytes appended.
    size_t produce(Buffer& out, size_t limit);
    // While produce() runs: where DATA payloads are written, and whether it holds its
    // `limit` already.
    Buffer* output() const { return out_; }
    bool output_full() const;
    // Frees finished streams. Only where no stream's call can be on the stack: at the
    // top of the connection's event handling.
    void collect_finished();
    // Streamed responses hear that their queued bytes went out (after produce()).
    void notify_output_sent();
    // Neither side has anything more to say: the connection may close.
    bool finished() const;
    // No stream is open (the idle timeout applies).
    bool idle() const { return streams_.empty(); }
    // Streams whose handler has not answered yet (the connection waits for them).
    size_t awaiting_responses() const;
    // The earliest moment a stream receiving its body times out; 0: none is.
    uint64_t next_body_deadline() const;
    // Streams whose body stalled past client_body_timeout by `now` are reset (nginx:
    // RST_STREAM PROTOCOL_ERROR, logged 408); the connection and other streams go on.
    void expire_stalled_bodies(uint64_t now);
    // GOAWAY naming the last stream taken: those finish, no new ones start.
    void shutdown_gracefully();
    // The connection is gone: every stream still answering learns it.
    void connection_lost();

    Http2Host& host() { return host_; }
    nghttp2_session* native() { return session_; }
    // A stream has response data queued: frame it.
    void resume(Http2Stream& stream);
    void reset(Http2Stream& stream, uint32_t error_code);
    // A stream that outlived its nghttp2 stream has answered.
    void release(Http2Stream& stream);

    // nghttp2's callbacks, by stream.
    Http2Stream* stream(int32_t id);
    Http2Stream& open_stream(int32_t id);
    void close_stream(int32_t id);

  private:
    void submit_settings();
    void close_stream(Http2Stream& stream);

    Http2Host& host_;
    nghttp2_session* session_ = nullptr;
    // Open streams, in no order; found by id through nghttp2's stream user data.
    std::vector<std::unique_ptr<Http2Stream>> streams_;
    // The stream last looked up: a request's fields, its end and its response's frames
    // come one after another for the same stream, and nghttp2's lookup is a hash search.
    Http2Stream* recent_ = nullptr;
    // Closed by the peer while their handler still runs; freed once it answers.
    std::vector<std::unique_ptr<Http2Stream>> orphans_;
    // Finished streams, freed by collect_finished(): the handler or the logging around
    // it may still be returning from the call that finished them.
    std::vector<std::unique_ptr<Http2Stream>> graveyard_;
    uint64_t opened_ = 0;
    Buffer* out_ = nullptr;  // produce()'s, while it runs
    size_t out_limit_ = 0;
};

}  // namespace strata::net
