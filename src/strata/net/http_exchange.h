// The server side of one request/response, as handlers see it. A handler answers
// with exactly one respond*() call, now or later from the loop thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "strata/http/request_head.h"
#include "strata/net/http_options.h"
#include "strata/net/listener.h"
#include "strata/net/tls_stream.h"

namespace strata::net {

// The fields nginx writes in a fixed place, then the rest in order. The connection adds
// Server, Date, Content-Length (or chunked) and Connection itself.
struct ResponseHead {
    int status = 200;
    // The status line's text after the version ("200 OK") when an app chose it; empty:
    // `status` with nginx's phrase.
    std::string_view status_text;
    std::string_view content_type;
    std::string_view last_modified;
    std::string_view location;
    std::vector<http::Header> headers;  // written after Connection (ETag, Accept-Ranges…)
    std::string_view server;            // the Server header; empty: the connection's default
    std::string_view date;              // the Date header; empty: the connection's clock
    // The body's length is not known up front (gzip): chunked on HTTP/1.1, the end of the
    // connection on HTTP/1.0.
    bool chunked = false;
    bool vary_accept_encoding = false;  // "Vary: Accept-Encoding", where nginx writes it
    bool close = false;  // end the connection after this response (some nginx error pages)
    // How respond_file() sends the file: sendfile(2), or read and written (nginx's
    // `sendfile off`); `tcp_nopush` corks the socket while the head and the file go out
    // (nginx does so only with sendfile on).
    bool sendfile = true;
    bool tcp_nopush = false;
};

// Which listening socket accepted a connection: the tag given to HttpServer::listen,
// and the port it listens on.
struct ListenerInfo {
    int tag = 0;
    uint16_t port = 0;
};

// Hears about a streamed response's progress, on the loop thread.
class ExchangeObserver {
  public:
    // Some of the unsent bytes were written to the socket.
    virtual void on_output_sent() = 0;
    // The client went away; the response will never reach it. The exchange stays valid
    // until end_response().
    virtual void on_client_gone() = 0;

  protected:
    ~ExchangeObserver() = default;
};

class Exchange {
  public:
    virtual const http::RequestHead& request() const = 0;
    virtual std::string_view body() const = 0;  // the whole request body, already read
    virtual uint64_t body_size() const = 0;     // its length, in memory or spooled
    // A body spooled to a temporary file (HttpOptions::body_memory_limit): its
    // descriptor, which the caller then owns; -1 when the body is in memory.
    virtual int take_body_file() = 0;
    virtual const PeerAddress& peer() const = 0;
    virtual const ListenerInfo& listener() const = 0;
    // The address the client connected to ("127.0.0.1", "::1"), read when asked.
    virtual std::string local_address() const = 0;
    // The connection's TLS; nullptr for plain HTTP.
    virtual const TlsInfo* tls() const = 0;

    virtual void respond(const ResponseHead& head, std::string_view body) = 0;
    // Sends `length` bytes of `fd` from `offset`; takes ownership of `fd`.
    virtual void respond_file(const ResponseHead& head, int fd, off_t offset, uint64_t length) = 0;
    // An nginx-style error page for `status`.
    virtual void respond_error(int status) = 0;
    // Closes the connection without a response (nginx's `return 444`).
    virtual void close_without_response() = 0;

    // A response streamed as it is produced: the head, body pieces, then the end.
    // `content_length` < 0: unknown, so chunked on HTTP/1.1 and ended by closing the
    // connection on HTTP/1.0. HEAD requests and bodiless statuses drop the pieces.
    virtual void begin_response(const ResponseHead& head, int64_t content_length) = 0;
    virtual void send_body(std::string_view bytes) = 0;
    // Sends `length` bytes of `fd` from `offset`; takes ownership of `fd`.
    virtual void send_body_file(int fd, off_t offset, uint64_t length) = 0;
    // `complete` false: the body fell short of what the head announced, so the
    // connection is closed instead of reused.
    virtual void end_response(bool complete = true) = 0;
    // Bytes of the streamed response accepted and not yet written to the socket.
    virtual uint64_t unsent_bytes() const = 0;
    // Until end_response(); nullptr stops the calls.
    virtual void set_observer(ExchangeObserver* observer) = 0;
    // The options of the location now handling the request (keep-alive, send timeout,
    // Server field), in force until the next request; they must outlive the connection.
    virtual void set_options(const RequestOptions& /*options*/) {}

  protected:
    ~Exchange() = default;
};

// A request the connection ends itself, without handle(): a head it cannot parse, a
// body that breaks the rules or never comes, a client too slow. The exchange's request()
// holds what was parsed before (an empty method when the request line itself failed).
struct Rejection {
    enum class Stage : uint8_t {
        head,  // before or while reading the head: the server's settings apply
        body,  // the head was complete: its location's settings apply
    };
    int status = 400;
    Stage stage = Stage::head;
    // false: the client left or timed out; nothing is sent, the request is only recorded.
    bool respond = true;
    // The request line as received (to its end or to the length limit), for the log.
    std::string_view request_line;
    uint64_t head_bytes = 0;  // head bytes received in complete lines
};

class HttpHandler {
  public:
    virtual ~HttpHandler() = default;
    virtual void handle(Exchange& exchange) = 0;
    // The options for a request with a body, asked once its head is complete and before
    // the body is read (client_max_body_size, client_body_timeout, client_body_buffer_size,
    // client_body_temp_path). nullptr: those of the listening socket.
    virtual const RequestOptions* body_options(const http::RequestHead& /*head*/,
                                               const ListenerInfo& /*listener*/) {
        return nullptr;
    }
    // Answers a rejected request: the built-in error page when `respond`, else closes.
    virtual void reject(Exchange& exchange, const Rejection& rejection) {
        if (rejection.respond)
            exchange.respond_error(rejection.status);
        else
            exchange.close_without_response();
    }
};

}  // namespace strata::net
