#include "strata/net/http_connection.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "strata/base/log.h"
#include "strata/http/error_page.h"
#include "strata/http/response_writer.h"
#include "strata/http/status.h"
#include "strata/net/socket_io.h"

namespace strata::net {
namespace {

constexpr size_t kReadSize = 4096;
// Pipelined requests wait while this much output is unsent: a client that never
// reads cannot make the server buffer without bound.
constexpr uint64_t kMaxPendingOutput = 256 * 1024;
// Reading stops at this much unparsed input to work it off first, so a long pipeline
// is taken in bounded steps.
constexpr size_t kMaxBufferedInput = 64 * 1024;
// Rounds of kMaxBufferedInput one connection may read in a turn of the event loop (1 MiB)
// before it lets the others go: a client sending faster than its body is stored would
// otherwise keep the loop to itself (a 1.5 GiB upload held every other connection of the
// worker back by up to 0.9 s, and for over 10 s under load).
constexpr int kReadRoundsPerTurn = 16;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
// How long a connection stays open, silent, after a graceful stop began.
constexpr uint64_t kDrainGraceMs = 1000;

bool has_no_body(int status) {
    return status < 200 || status == 204 || status == 304;
}

// The parser leaves body limits to the connection: they depend on the request's location.
http::ParserOptions without_body_limit(http::ParserOptions options) {
    options.limits.body = http::kUnlimitedBody;
    return options;
}

// The request line as received, for the log of a rejected request: from its first byte
// (blank lines before it skipped) to its end, or to the length limit (what nginx shows).
std::string_view received_request_line(std::string_view input, size_t limit) {
    size_t start = input.find_first_not_of("\r\n");
    if (start == std::string_view::npos) return {};
    std::string_view line = input.substr(start);
    line = line.substr(0, line.find_first_of("\r\n"));
    return line.substr(0, limit);
}

}  // namespace

HttpConnection::HttpConnection(ConnectionHost& host, int fd, const PeerAddress& peer,
                               const ListenerInfo& listener)
    : host_(host),
      fd_(fd),
      peer_(peer),
      listener_(listener),
      listener_options_(host.options(listener.tag)),
      request_options_(&listener_options_.request),
      parser_(without_body_limit(listener_options_.http.parser)) {
    timer_.set_callback([this] { on_timeout(); });
    handshaking_ = listener_options_.tls != nullptr;
}

HttpConnection::~HttpConnection() {
    if (fd_ >= 0) ::close(fd_);
}

void HttpConnection::start() {
    // Responses are written whole, so Nagle's delay would only add latency (nginx's
    // tcp_nodelay on).
    set_tcp_nodelay(fd_, true);
    host_.loop().add(fd_, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, this);
    update_timer();
    on_readable();
}

void HttpConnection::on_io(uint32_t events) {
    if (state_ == State::closed) return;
    if (events & EPOLLERR) return close();
    if (events & (EPOLLRDHUP | EPOLLHUP)) hangup_signalled_ = true;
    if (handshaking_) return on_readable();  // either direction may move it on
    if (h2_) h2_->collect_finished();        // no stream's call is on the stack here
    bool readable = events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP);
    bool writable = events & EPOLLOUT;
    if (tls_) {  // TLS may read to write, or write to read
        readable = readable || (writable && tls_->read_wants_writable());
        writable = writable || (readable && tls_->write_wants_readable());
    }
    if (readable) on_readable();
    if (state_ != State::closed && writable) on_writable();
}

// Before the first request of a `listen … ssl` connection. A first byte that cannot
// begin a TLS record (0x16; 0x80 for an old-style hello) is a plain HTTP request, which
// nginx reads and answers with its 400 page.
bool HttpConnection::handshake() {
    if (!tls_) {
        unsigned char first = 0;
        ssize_t n = ::recv(fd_, &first, 1, MSG_PEEK);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return false;
        if (n <= 0) {
            close();
            return false;
        }
        if (first != 0x16 && first != 0x80 && options().error_pages == ErrorPages::nginx) {
            plain_on_tls_port_ = true;
            handshaking_ = false;
            return true;
        }
        tls_ = std::make_unique<TlsStream>(*listener_options_.tls, fd_);
    }
    switch (tls_->handshake()) {
        case TlsStream::Handshake::done:
            handshaking_ = false;
            if (listener_options_.http2 && tls_->negotiated_http2()) start_http2();
            return true;
        case TlsStream::Handshake::in_progress:
            return false;
        case TlsStream::Handshake::failed:
            break;
    }
    close();
    return false;
}

// Reads and processes until the socket is drained or back-pressure stops reading.
// A loop, not recursion: a long pipeline must not deepen the stack.
void HttpConnection::on_readable() {
    if (handshaking_ && !handshake()) return;
    if (h2_) return http2_read();
    in_readable_ = true;
    // Requests a pause left in the input go first: reading on would only add to them.
    if (state_ == State::reading_head && !input_.empty()) process();
    int rounds = 0;
    for (;;) {
        if (h2_) {  // the preface arrived: HTTP/2 from here on
            in_readable_ = false;
            return http2_read();
        }
        if (state_ == State::lingering) {
            discard_input();
            break;
        }
        if (state_ == State::closed) break;
        if (state_ == State::handling || output_.pending_bytes() > kMaxPendingOutput) {
            read_paused_ = true;  // edge-triggered: remember that data may be waiting
            break;
        }
        read_paused_ = false;
        ReadOutcome outcome = read_input();
        if (outcome == ReadOutcome::closed) break;
        process();
        // Parsing may have stopped for output that process() then sent in full: go on.
        if (outcome == ReadOutcome::drained && !read_paused_) break;
        if (outcome == ReadOutcome::more && ++rounds == kReadRoundsPerTurn) {
            resume_reading_later();
            break;
        }
    }
    in_readable_ = false;
}

// The socket was not read to its end, so no new edge may come: read on after the other
// connections' events of this turn (deferred work runs after them; the connection is
// freed by a deferred call queued after this one, so it is still there).
void HttpConnection::resume_reading_later() {
    if (resume_scheduled_) return;
    resume_scheduled_ = true;
    host_.loop().defer([this] {
        resume_scheduled_ = false;
        if (state_ != State::closed) on_readable();
    });
}

HttpConnection::ReadOutcome HttpConnection::read_input() {
    bool was_empty = input_.empty();
    ReadOutcome outcome = ReadOutcome::drained;
    for (;;) {
        char* at = input_.prepare(kReadSize);
        size_t room = input_.writable();
        IoResult r = transport().read(at, room);
        if (r.status == IoStatus::ok) {
            input_.commit(r.bytes);
            // Drained: a later arrival raises a new edge. Not so the end of the stream
            // once signalled: its edge may have been spent on a turn that stopped at its
            // read budget, so read on until the end itself is read.
            if (r.bytes < room && !hangup_signalled_) break;
            // Bodies too: unbounded, a fast upload piled up in the input (megabytes, as
            // much as the socket held) before reaching the body store and its spool file.
            if (input_.size() >= kMaxBufferedInput) {
                outcome = ReadOutcome::more;  // process what we have, then read on
                break;
            }
            continue;
        }
        if (r.status == IoStatus::would_block) break;
        if (r.status == IoStatus::closed) {
            peer_closed_ = true;
            break;
        }
        close();
        return ReadOutcome::closed;
    }
    if (head_size_ > 0 && input_.data() != input_base_) {
        parser_.rebind(input_.view());  // the buffer moved under a parsed head
        input_base_ = input_.data();
    }
    if (was_empty && !input_.empty() && state_ == State::reading_head) {
        header_timer_armed_ = false;  // a new request starts: its header timeout runs now
        update_timer();
    }
    if (state_ == State::reading_body) update_timer();  // body timeout: between reads
    return outcome;
}

void HttpConnection::process() {
    processing_ = true;
    bool progress = true;
    while (progress && state_ != State::closed) {
        if (state_ == State::reading_head)
            progress = parse_head();
        else if (state_ == State::reading_body)
            progress = read_body();
        else
            progress = false;
    }
    processing_ = false;
    if (state_ == State::closed) return;
    // A request cut short by the client is recorded as nginx does (400); a connection that
    // never began one just ends.
    if (peer_closed_ && state_ == State::reading_head && output_.empty())
        return input_.empty() ? close() : reject(400, Rejection::Stage::head, false);
    if (peer_closed_ && state_ == State::reading_body)  // the body never came
        return reject(400, Rejection::Stage::body, false);
    flush();
}

bool HttpConnection::parse_head() {
    if (input_.empty()) return false;
    if (requests_ == 0 && listener_options_.http2 && starts_http2()) return false;
    if (output_.pending_bytes() > kMaxPendingOutput) {
        read_paused_ = true;  // pipelined requests wait in the input until the output drains
        return false;
    }
    http::ParseResult r = parser_.parse(input_.view());
    if (r.status == http::ParseStatus::need_more) return false;
    if (r.status == http::ParseStatus::error) {
        reject(http::status_for(r.error));
        return false;
    }
    head_size_ = r.consumed;
    input_base_ = input_.data();
    ++requests_;
    request_options_ = &listener_options_.request;
    if (plain_on_tls_port_) {
        reject(http::kPlainHttpToHttpsPort);
        return false;
    }
    if (parser_.head().method == "TRACE") {  // nginx refuses TRACE outright, and closes
        reject(405);
        return false;
    }
    const http::RequestHead& head = parser_.head();
    if (head.body == http::BodyKind::none) {
        dispatch();
    } else {
        if (!body_fits(head)) return false;
        start_body();
    }
    return true;
}

// The limit is the location's (nginx's client_max_body_size), so the handler is asked
// for the request's options before any of the body is read.
bool HttpConnection::body_fits(const http::RequestHead& head) {
    if (const RequestOptions* o = host_.handler().body_options(head, listener_))
        request_options_ = o;
    if (head.body != http::BodyKind::length || head.content_length <= request_options().body_limit)
        return true;
    reject(413, Rejection::Stage::body);
    return false;
}

void HttpConnection::start_body() {
    const http::RequestHead& head = parser_.head();
    body_remaining_ = head.content_length;
    // Where the body may grow is the location's (nginx's client_body_buffer_size and
    // client_body_temp_path), known by now.
    body_.configure(request_options().body_memory_limit, request_options().body_temp_dir);
    chunked_ =
        http::ChunkedDecoder(request_options().body_limit, options().parser.limits.field_line,
                             options().parser.limits.fields);
    state_ = State::reading_body;
    // RFC 9110 §10.1.1: say "go on" only when the body is not already on its way.
    if (head.expect_continue && input_.size() == head_size_) output_.append(kContinue);
    update_timer();
}

bool HttpConnection::read_body() {
    std::string_view available = input_.view().substr(head_size_);
    if (parser_.head().body == http::BodyKind::length) return read_length_body(available);
    return read_chunked_body(available);
}

// Body bytes are copied out and removed from the input, so the head stays put in front
// and the input never holds more than one read of body.
bool HttpConnection::read_length_body(std::string_view available) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(body_remaining_, available.size()));
    if (n == 0) return false;
    if (!store_body(available.substr(0, n))) return false;
    input_.erase(head_size_, n);
    body_remaining_ -= n;
    if (body_remaining_ == 0) dispatch();
    return true;
}

bool HttpConnection::read_chunked_body(std::string_view available) {
    size_t consumed = 0;
    for (;;) {
        http::ChunkResult r = chunked_.decode(available.substr(consumed));
        if (!store_body(r.data)) return false;
        consumed += r.consumed;
        if (r.status == http::ChunkStatus::data) continue;
        input_.erase(head_size_, consumed);
        if (r.status == http::ChunkStatus::done) {
            dispatch();
            return true;
        }
        if (r.status == http::ChunkStatus::error)
            reject(http::status_for(r.error), Rejection::Stage::body);
        return false;
    }
}

// A body that cannot be stored (the temporary file failed) gets nginx's 500.
bool HttpConnection::store_body(std::string_view bytes) {
    if (bytes.empty() || body_.append(bytes)) return true;
    reject(500, Rejection::Stage::body);
    return false;
}

void HttpConnection::dispatch() {
    state_ = State::handling;
    awaiting_response_ = true;
    host_.loop().disarm(timer_);
    host_.handler().handle(*this);
}

// The framing can no longer be trusted: the handler answers (or, without `respond`,
// only records the request) and the connection closes. The head's views are re-pointed
// first: a partial head has parts the record names.
void HttpConnection::reject(int status, Rejection::Stage stage, bool respond) {
    linger_on_close_ = respond;
    state_ = State::handling;
    awaiting_response_ = true;
    host_.loop().disarm(timer_);
    std::string_view input = input_.view();
    parser_.rebind(input);
    input_base_ = input_.data();
    Rejection rejection;
    rejection.status = status;
    rejection.stage = stage;
    rejection.respond = respond;
    rejection.request_line = received_request_line(input, options().parser.limits.request_line);
    rejection.head_bytes = head_size_ > 0 ? head_size_ : parser_.accepted_bytes();
    host_.handler().reject(*this, rejection);
}

bool HttpConnection::keep_alive_after(const ResponseHead& head) const {
    if (head.close || linger_on_close_ || peer_closed_ || draining_) return false;
    const RequestOptions& o = request_options();
    if (o.keepalive_timeout_ms == 0 || requests_ >= o.keepalive_requests) return false;
    return parser_.head().keep_alive;
}

void HttpConnection::write_head(const ResponseHead& head, int64_t content_length, bool keep_alive) {
    http::ResponseWriter w(output_.memory());
    std::string_view server = head.server.empty() ? request_options().server_token : head.server;
    if (head.status_text.empty())
        w.status(head.status);
    else
        w.status_text(head.status_text);
    w.header("Server", server).date(head.date.empty() ? host_.http_date() : head.date);
    if (!head.content_type.empty()) w.header("Content-Type", head.content_type);
    if (content_length >= 0) w.content_length(static_cast<uint64_t>(content_length));
    if (!head.last_modified.empty()) w.header("Last-Modified", head.last_modified);
    if (!head.location.empty()) w.header("Location", head.location);
    // Never on a response without a body: RFC 9112 §6.1 forbids Transfer-Encoding on 1xx
    // and 204, and a 304 has nothing to code either (an app's unknown length said chunked).
    if (head.chunked && parser_.head().version == http::Version::http11 &&
        parser_.head().method != "HEAD" && !has_no_body(head.status))
        w.chunked();
    w.connection(keep_alive);
    if (keep_alive && !request_options().keepalive_header.empty())
        w.header("Keep-Alive", request_options().keepalive_header);
    if (head.vary_accept_encoding) w.header("Vary", "Accept-Encoding");
    for (const http::Header& h : head.headers)
        w.header(h.name, h.value);
    w.end();
}

// Whether a response is due. A connection closed while the handler held the exchange
// is freed only now, when nothing refers to it any more.
bool HttpConnection::take_response() {
    if (!awaiting_response_) {
        log::error("response for no request ignored");
        return false;
    }
    awaiting_response_ = false;
    observer_ = nullptr;
    if (state_ != State::closed) return true;
    host_.on_closed(*this);
    return false;
}

void HttpConnection::respond(const ResponseHead& head, std::string_view body) {
    if (!take_response()) return;
    http::Version version = parser_.head().version;
    bool http09 = version == http::Version::http09;
    bool send_body = parser_.head().method != "HEAD" && !has_no_body(head.status);
    // Without chunked coding (HTTP/1.0) an unknown length ends with the connection, when
    // there is a body to end.
    bool keep =
        keep_alive_after(head) && (!head.chunked || version == http::Version::http11 || !send_body);
    bool length_known = !head.chunked && !has_no_body(head.status);
    if (!http09) write_head(head, length_known ? static_cast<int64_t>(body.size()) : -1, keep);
    if (http09 || (send_body && !head.chunked) || (send_body && version != http::Version::http11))
        output_.append(body);
    else if (send_body)
        append_chunked(body);
    finish_request(keep && !http09);
}

// The whole body as one chunk and the last chunk.
void HttpConnection::append_chunked(std::string_view body) {
    if (!body.empty()) {
        char size[http::kMaxChunkHeader];
        output_.append({size, http::format_chunk_header(body.size(), size)});
        output_.append(body);
        output_.append(http::kChunkEnd);
    }
    output_.append(http::kLastChunk);
}

void HttpConnection::respond_file(const ResponseHead& head, int fd, off_t offset, uint64_t length) {
    if (!take_response()) {
        ::close(fd);
        return;
    }
    bool keep = keep_alive_after(head);
    bool http09 = parser_.head().version == http::Version::http09;
    if (!http09) write_head(head, static_cast<int64_t>(length), keep);
    if (parser_.head().method != "HEAD" || http09)
        output_.append_file(fd, offset, length, {head.sendfile, head.sendfile && head.tcp_nopush});
    else
        ::close(fd);
    finish_request(keep && !http09);
}

void HttpConnection::begin_response(const ResponseHead& head, int64_t content_length) {
    if (!awaiting_response_ || streaming_) {
        log::error("streamed response for no request ignored");
        return;
    }
    streaming_ = true;
    if (state_ == State::closed) return;  // the client left: end_response() frees us
    http::Version version = parser_.head().version;
    bool known = content_length >= 0 && !has_no_body(head.status);
    stream_sends_body_ = parser_.head().method != "HEAD" && !has_no_body(head.status);
    stream_keep_alive_ = keep_alive_after(head) &&
                         (known || version == http::Version::http11 || !stream_sends_body_);
    stream_chunked_ = !known && stream_sends_body_ && version == http::Version::http11;
    if (version != http::Version::http09) {
        ResponseHead sent = head;
        sent.chunked = !known && !has_no_body(head.status);
        write_head(sent, known ? content_length : -1, stream_keep_alive_);
    }
    // The head waits for the first body bytes or the end, which follow at once: one
    // write for both.
}

void HttpConnection::send_body(std::string_view bytes) {
    if (!streaming_ || state_ == State::closed) return;
    // A response without a body (HEAD, 204, 304) drops the bytes, but their coming is
    // when the waiting head goes (PEP 3333: at the first non-empty bytes), not the end,
    // which may be far off (a HEAD to an event stream).
    if (!stream_sends_body_) {
        if (!bytes.empty() && !output_.empty()) flush();
        return;
    }
    if (bytes.empty()) return;
    if (stream_chunked_) {
        char size[http::kMaxChunkHeader];
        output_.append({size, http::format_chunk_header(bytes.size(), size)});
        output_.append(bytes);
        output_.append(http::kChunkEnd);
    } else {
        output_.append(bytes);
    }
    flush();
}

void HttpConnection::send_body_file(int fd, off_t offset, uint64_t length) {
    if (!streaming_ || state_ == State::closed || !stream_sends_body_ || length == 0) {
        ::close(fd);
        // As in send_body(): dropped body bytes send the waiting head.
        if (streaming_ && state_ != State::closed && length > 0 && !output_.empty()) flush();
        return;
    }
    if (stream_chunked_) {
        char size[http::kMaxChunkHeader];
        output_.append({size, http::format_chunk_header(length, size)});
        output_.append_file(fd, offset, length);
        output_.append(http::kChunkEnd);
    } else {
        output_.append_file(fd, offset, length);
    }
    flush();
}

void HttpConnection::end_response(bool complete) {
    if (!streaming_) {
        log::error("end of a streamed response that never began ignored");
        return;
    }
    streaming_ = false;
    observer_ = nullptr;
    if (!take_response()) return;
    bool http09 = parser_.head().version == http::Version::http09;
    if (!complete) {
        stream_keep_alive_ = false;  // the framing promised more than came
    } else if (stream_chunked_) {
        output_.append(http::kLastChunk);
    }
    finish_request(stream_keep_alive_ && !http09);
}

void HttpConnection::respond_error(int status) {
    ResponseHead head;
    head.status = http::status_sent_for(status);
    head.close = http::error_page_closes_connection(status);
    head.content_type = "text/html";
    std::string page;
    if (!has_no_body(status))
        page = options().error_pages == ErrorPages::gunicorn
                   ? http::gunicorn_error_page(status)
                   : http::error_page(status, request_options().server_token);
    respond(head, page);
}

std::string HttpConnection::local_address() const {
    PeerAddress local;
    local.length = sizeof local.storage;
    if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&local.storage), &local.length) != 0)
        return {};
    return local.text();
}

void HttpConnection::close_without_response() {
    if (!take_response()) return;
    close();
}

void HttpConnection::finish_request(bool keep_alive) {
    if (!keep_alive) {
        close_after_flush_ = true;
        // Unread request bytes would turn our close into a reset that can destroy the
        // response in flight: read and drop them first (nginx's lingering close).
        if (state_ == State::reading_body || input_.size() > head_size_) linger_on_close_ = true;
    }
    input_.consume(head_size_);
    head_size_ = 0;
    body_.clear();
    parser_.reset();
    state_ = close_after_flush_ ? State::handling : State::reading_head;
    header_timer_armed_ = false;
    if (!processing_ && !in_readable_) {  // a response that came later (async handler)
        flush();
        if (state_ == State::reading_head) process();
    }
}

void HttpConnection::on_writable() {
    if (h2_) return http2_write();
    if (output_.empty()) return;
    flush();
}

void HttpConnection::flush() {
    if (h2_) return http2_write();
    if (output_.empty()) return after_flush();
    IoResult r = output_.flush(transport());
    if (r.status == IoStatus::closed || r.status == IoStatus::error) return close();
    if (streaming_ && observer_ && r.bytes > 0) observer_->on_output_sent();
    if (r.status == IoStatus::would_block) return update_timer();
    after_flush();
}

void HttpConnection::after_flush() {
    if (close_after_flush_) return linger_on_close_ ? linger() : close();
    if (state_ == State::reading_head && input_.empty()) {
        input_.release();  // an idle keep-alive connection holds no buffers
        body_.release();
    }
    if (peer_closed_ && state_ == State::reading_head && input_.empty()) return close();
    update_timer();
    if (read_paused_ && !in_readable_) on_readable();
}

void HttpConnection::linger() {
    if (tls_) tls_->shutdown();
    ::shutdown(fd_, SHUT_WR);
    state_ = State::lingering;
    lingering_deadline_ = host_.loop().now_ms() + options().lingering_time_ms;
    input_.clear();
    update_timer();
    discard_input();
}

void HttpConnection::discard_input() {
    char scratch[4096];
    for (;;) {
        IoResult r = read_some(fd_, scratch, sizeof scratch);
        if (r.status == IoStatus::ok && r.bytes > 0) continue;
        if (r.status == IoStatus::would_block) break;
        return close();  // EOF or error: the client has everything
    }
    if (host_.loop().now_ms() >= lingering_deadline_) return close();
    update_timer();  // lingering_timeout is a pause between reads, as in nginx
}

// A graceful stop: the next response says "Connection: close" and ends the connection;
// one that stays silent is closed after a short grace. Closing an idle keep-alive
// connection at once would reset a client whose next request is already on its way.
void HttpConnection::close_when_idle() {
    draining_ = true;
    if (h2_) {
        h2_->shutdown_gracefully();  // GOAWAY: streams begun finish, no new ones
        return http2_write();
    }
    if (state_ == State::reading_head && input_.empty() && output_.empty()) update_timer();
}

void HttpConnection::close() {
    if (state_ == State::closed) return;
    state_ = State::closed;
    host_.loop().disarm(timer_);
    host_.loop().remove(fd_);
    if (tls_) tls_->shutdown();  // close_notify: the stream ended, it was not cut
    ::close(fd_);
    fd_ = -1;
    output_.clear();
    if (observer_) {
        ExchangeObserver* observer = observer_;
        observer_ = nullptr;
        observer->on_client_gone();
    }
    if (h2_) {
        h2_->connection_lost();
        if (h2_->awaiting_responses() == 0) host_.on_closed(*this);  // else the last answer
        return;
    }
    if (!awaiting_response_) host_.on_closed(*this);  // else when the handler answers
}

// One timer per connection; which timeout it measures follows the state (nginx's
// client_header_timeout, client_body_timeout, keepalive_timeout, send_timeout).
void HttpConnection::update_timer() {
    EventLoop& loop = host_.loop();
    const HttpOptions& o = options();
    // The last request's location decides how long to wait for writes and the next request.
    const RequestOptions& r = request_options();
    if (!output_.empty()) return loop.arm(timer_, r.send_timeout_ms);
    if (h2_) {  // nginx: keepalive_timeout while no stream is open
        if (h2_->idle())
            return loop.arm(timer_, draining_ ? std::min(r.keepalive_timeout_ms, kDrainGraceMs)
                                              : r.keepalive_timeout_ms);
        // Each stream receiving a body must go on within client_body_timeout (nginx
        // times streams, not the connection).
        if (uint64_t deadline = h2_->next_body_deadline(); deadline != 0) {
            uint64_t now = loop.now_ms();
            return loop.arm(timer_, deadline > now ? deadline - now : 0);
        }
        return loop.disarm(timer_);
    }
    switch (state_) {
        case State::reading_head:
            if (input_.empty() && draining_)
                return loop.arm(timer_, std::min(r.keepalive_timeout_ms, kDrainGraceMs));
            if (input_.empty() && requests_ > 0) return loop.arm(timer_, r.keepalive_timeout_ms);
            if (!header_timer_armed_) {
                header_timer_armed_ = true;
                loop.arm(timer_, o.client_header_timeout_ms);
            }
            return;
        case State::reading_body:
            return loop.arm(timer_, r.client_body_timeout_ms);
        case State::lingering: {
            uint64_t now = loop.now_ms();
            uint64_t left = lingering_deadline_ > now ? lingering_deadline_ - now : 0;
            return loop.arm(timer_, std::min(o.lingering_timeout_ms, left));
        }
        case State::handling:
        case State::closed:
            return loop.disarm(timer_);
    }
}

// nginx closes without a response when a client is too slow; a request it began is
// recorded as 408, a connection that never sent a byte is not.
void HttpConnection::on_timeout() {
    if (h2_) {
        if (!output_.empty() || h2_->next_body_deadline() == 0) return close();
        h2_->expire_stalled_bodies(host_.loop().now_ms());
        return update_timer();
    }
    if (state_ == State::reading_head && input_.empty() && (requests_ > 0 || draining_))
        return close();
    if (state_ != State::lingering)
        log::info("client timed out while {} from {}",
                  !output_.empty() ? "sending response" : "reading request", peer_.text());
    if (output_.empty() && state_ == State::reading_head && !input_.empty())
        return reject(408, Rejection::Stage::head, false);
    if (output_.empty() && state_ == State::reading_body)
        return reject(408, Rejection::Stage::body, false);
    close();
}

}  // namespace strata::net
