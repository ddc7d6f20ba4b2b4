#include "strata/net/http2_stream.h"

#include <nghttp2/nghttp2.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "strata/base/log.h"
#include "strata/http/error_page.h"
#include "strata/http/status.h"
#include "strata/net/http2_response_fields.h"
#include "strata/net/http2_session.h"

namespace strata::net {
namespace {

// Buffers a stream keeps for the next one up to this capacity; a rare huge head or body
// piece is freed instead of staying with the pool.
constexpr size_t kKeptCapacity = 4096;

void clear_keeping_small(std::string& text) {
    if (text.capacity() > kKeptCapacity)
        std::string().swap(text);
    else
        text.clear();
}

bool has_no_body(int status) {
    return status < 200 || status == 204 || status == 304;
}

// How much the next DATA frame carries; the bytes themselves are written straight into
// the connection's output by Http2Session's send_data callback (NO_COPY), not copied
// through nghttp2's frame buffer first.
ssize_t read_source(nghttp2_session* /*session*/, int32_t /*stream_id*/, uint8_t* /*buf*/,
                    size_t length, uint32_t* data_flags, nghttp2_data_source* source,
                    void* /*user_data*/) {
    auto* stream = static_cast<Http2Stream*>(source->ptr);
    bool end = false;
    size_t n = stream->data_ready(length, end);
    if (end) *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    if (n == 0 && !end) return NGHTTP2_ERR_DEFERRED;
    if (n > 0) *data_flags |= NGHTTP2_DATA_FLAG_NO_COPY;
    return static_cast<ssize_t>(n);
}

}  // namespace

Http2Stream::Http2Stream(Http2Session& session, int32_t id) {
    open(session, id);
}

Http2Stream::~Http2Stream() {
    for (Piece& p : pieces_)
        if (p.fd >= 0) ::close(p.fd);
}

void Http2Stream::open(Http2Session& session, int32_t id) {
    session_ = &session;
    id_ = id;
    const ListenerOptions& options = session.host().listener_options();
    options_ = &options.request;
    field_limit_ = options.http.http2.max_header_bytes;
    head_.version = http::Version::http2;
    head_.keep_alive = true;
}

void Http2Stream::recycle() {
    for (Piece& p : pieces_)
        if (p.fd >= 0) ::close(p.fd);
    pieces_.clear();
    std::vector<http::Header> headers = std::move(head_.headers);
    headers.clear();
    head_ = http::RequestHead{};
    head_.headers = std::move(headers);
    clear_keeping_small(head_text_);
    clear_keeping_small(cookies_);
    clear_keeping_small(spare_bytes_);
    method_ = path_ = authority_ = {};
    fields_.clear();
    field_bytes_ = trailer_bytes_ = 0;
    too_large_ = false;
    body_.release();
    observer_ = nullptr;
    pending_bytes_ = 0;
    awaiting_response_ = streaming_ = ended_ = closed_ = false;
    rejected_ = reset_after_response_ = output_sent_ = timed_out_ = false;
    body_deadline_ms_ = 0;
}

Http2Stream::Span Http2Stream::keep(std::string_view text) {
    Span span{static_cast<uint32_t>(head_text_.size()), static_cast<uint32_t>(text.size())};
    head_text_.append(text);
    return span;
}

std::string_view Http2Stream::view(Span span) const {
    return std::string_view(head_text_).substr(span.at, span.size);
}

// Names and values go into one buffer as they come: no allocation per field once the
// buffer has grown to the size heads usually have.
bool Http2Stream::add_field(std::string_view name, std::string_view value) {
    field_bytes_ += name.size() + value.size();
    if (field_bytes_ > field_limit_) {
        too_large_ = true;
        return false;
    }
    if (name.front() == ':') {  // nghttp2 checked them; :scheme is not kept
        if (name == ":method")
            method_ = keep(value);
        else if (name == ":path")
            path_ = keep(value);
        else if (name == ":authority")
            authority_ = keep(value);
    } else if (name == "cookie") {
        cookies_.append(cookies_.empty() ? "" : "; ").append(value);
    } else {
        fields_.push_back({keep(name), keep(value)});
    }
    return true;
}

// The head's views all point into one buffer, as an HTTP/1 head's do (the gateway copies
// that span for the app). :authority stands in for Host (RFC 9113 §8.3.1), and split
// cookies are joined again (§8.2.3).
void Http2Stream::build_head() {
    bool has_host_field = false;
    for (const FieldSpans& f : fields_)
        has_host_field = has_host_field || view(f.name) == "host";
    Span host_name = authority_.size > 0 && !has_host_field ? keep("host") : Span{};
    Span cookie_name, cookie_value;
    if (!cookies_.empty()) {
        cookie_name = keep("cookie");
        cookie_value = keep(cookies_);
    }
    // head_text_ is complete: views into it stay put from here on.
    head_.method = view(method_);
    head_.target = view(path_);
    std::string_view authority = view(authority_);
    head_.headers.reserve(fields_.size() + 2);
    if (host_name.size > 0) head_.headers.push_back({view(host_name), authority});
    for (const FieldSpans& f : fields_)
        head_.headers.push_back({view(f.name), view(f.value)});
    if (cookie_name.size > 0) head_.headers.push_back({view(cookie_name), view(cookie_value)});
    for (const http::Header& h : head_.headers) {
        if (h.name == "host" && authority.empty()) {
            head_.host = h.value;
            head_.has_host = true;
        } else if (h.name == "content-length") {
            head_.content_length = 0;
            for (char c : h.value)  // nghttp2 checked that it is digits
                head_.content_length = head_.content_length * 10 + static_cast<uint64_t>(c - '0');
            head_.body = http::BodyKind::length;
        }
    }
    if (!authority.empty()) {  // it wins over a Host field
        head_.host = authority;
        head_.has_host = true;
    }
    head_.head_size = field_bytes_;
}

void Http2Stream::finish_head(bool ends_stream) {
    build_head();
    if (too_large_) return reject(431, Rejection::Stage::head);
    if (ends_stream) {
        head_.body = http::BodyKind::none;
        head_.content_length = 0;
        return;
    }
    const ListenerInfo& where = session_->host().listener();
    if (const RequestOptions* o = session_->host().handler().body_options(head_, where))
        options_ = o;
    // The location's client_body_buffer_size and client_body_temp_path, as for HTTP/1.
    body_.configure(options_->body_memory_limit, options_->body_temp_dir);
    if (head_.body == http::BodyKind::length && head_.content_length > options_->body_limit)
        return reject(413, Rejection::Stage::body);
    renew_body_deadline();
}

void Http2Stream::renew_body_deadline() {
    body_deadline_ms_ = session_->host().now_ms() + options_->client_body_timeout_ms;
}

void Http2Stream::time_out_body() {
    timed_out_ = true;
    reject(408, Rejection::Stage::body, false);
}

bool Http2Stream::add_body(std::string_view bytes) {
    if (rejected_) return false;
    if (body_.size() + bytes.size() > options_->body_limit) {
        reject(413, Rejection::Stage::body);
        return false;
    }
    if (!body_.append(bytes)) {
        reject(500, Rejection::Stage::body);
        return false;
    }
    renew_body_deadline();
    return true;
}

// Handlers see a body of known length, whatever the client framed (nginx sets the
// Content-Length of a buffered HTTP/2 body the same way).
void Http2Stream::dispatch() {
    body_deadline_ms_ = 0;
    if (rejected_) return;
    if (head_.body != http::BodyKind::none || body_.size() > 0) {
        head_.body = http::BodyKind::length;
        head_.content_length = body_.size();
    }
    awaiting_response_ = true;
    session_->host().handler().handle(*this);
}

// A body over the limit or impossible to store: the handler answers it as it answers an
// HTTP/1 rejection, then the rest of the upload is refused.
void Http2Stream::reject(int status, Rejection::Stage stage, bool respond) {
    if (rejected_) return;
    body_deadline_ms_ = 0;
    rejected_ = true;
    reset_after_response_ = true;
    awaiting_response_ = true;
    Rejection rejection;
    rejection.status = status;
    rejection.stage = stage;
    rejection.respond = respond;
    rejection.head_bytes = field_bytes_;
    session_->host().handler().reject(*this, rejection);
}

const PeerAddress& Http2Stream::peer() const {
    return session_->host().peer();
}
const ListenerInfo& Http2Stream::listener() const {
    return session_->host().listener();
}
std::string Http2Stream::local_address() const {
    return session_->host().local_address();
}
const TlsInfo* Http2Stream::tls() const {
    return session_->host().tls();
}

bool Http2Stream::take_response() {
    if (!awaiting_response_) {
        log::error("response for no request ignored");
        return false;
    }
    awaiting_response_ = false;
    if (!closed_) return true;
    session_->release(*this);  // the client left meanwhile: nothing goes out
    return false;
}

bool Http2Stream::sends_body(int status) const {
    return head_.method != "HEAD" && !has_no_body(status);
}

void Http2Stream::submit(const ResponseHead& head, int64_t content_length, bool with_body) {
    thread_local Http2ResponseFields fields;  // one submit at a time per loop thread
    fields.build(head, content_length, options_->server_token, session_->host().http_date());
    nghttp2_data_provider body{};
    body.source.ptr = this;
    body.read_callback = read_source;
    int rv = nghttp2_submit_response(session_->native(), id_, fields.data(), fields.size(),
                                     with_body ? &body : nullptr);
    if (rv != 0) log::error("HTTP/2 response on stream {} refused: {}", id_, nghttp2_strerror(rv));
    if (!with_body) ended_ = true;
    session_->host().on_output_ready();
}

// Bytes to send, in the buffer of the last piece taken: a stream sending one piece after
// another (or reused for the next request) allocates once.
Http2Stream::Piece Http2Stream::copied(std::string_view bytes) {
    Piece piece;
    piece.bytes = std::move(spare_bytes_);
    piece.bytes.assign(bytes);
    return piece;
}

void Http2Stream::queue(Piece piece) {
    if (piece.fd < 0) piece.length = piece.bytes.size();
    if (piece.length == 0) {
        if (piece.fd >= 0) ::close(piece.fd);
        return;
    }
    pending_bytes_ += piece.length;
    pieces_.push_back(std::move(piece));
}

void Http2Stream::respond(const ResponseHead& head, std::string_view body) {
    if (!take_response()) return;
    bool with_body = sends_body(head.status) && !body.empty();
    if (with_body) queue(copied(body));
    ended_ = true;
    submit(head, has_no_body(head.status) ? -1 : static_cast<int64_t>(body.size()), with_body);
}

void Http2Stream::respond_file(const ResponseHead& head, int fd, off_t offset, uint64_t length) {
    if (!take_response()) {
        ::close(fd);
        return;
    }
    bool with_body = sends_body(head.status) && length > 0;
    if (with_body)
        queue({{}, fd, offset, length});
    else
        ::close(fd);
    ended_ = true;
    submit(head, static_cast<int64_t>(length), with_body);
}

void Http2Stream::respond_error(int status) {
    ResponseHead head;
    head.status = http::status_sent_for(status);
    head.content_type = "text/html";
    std::string page;
    if (!has_no_body(status))
        page = session_->host().listener_options().http.error_pages == ErrorPages::gunicorn
                   ? http::gunicorn_error_page(status)
                   : http::error_page(status, options_->server_token);
    respond(head, page);
}

void Http2Stream::close_without_response() {
    if (!take_response()) return;
    session_->reset(*this, timed_out_ ? NGHTTP2_PROTOCOL_ERROR : NGHTTP2_NO_ERROR);
}

void Http2Stream::begin_response(const ResponseHead& head, int64_t content_length) {
    if (!awaiting_response_ || streaming_) {
        log::error("streamed response for no request ignored");
        return;
    }
    streaming_ = true;
    awaiting_response_ = false;
    if (closed_) return;  // the client left: end_response() frees us
    submit(head, content_length, sends_body(head.status));
}

void Http2Stream::send_body(std::string_view bytes) {
    if (!streaming_ || closed_ || ended_ || bytes.empty()) return;
    queue(copied(bytes));
    session_->resume(*this);
}

void Http2Stream::send_body_file(int fd, off_t offset, uint64_t length) {
    if (!streaming_ || closed_ || ended_) {
        ::close(fd);
        return;
    }
    queue({{}, fd, offset, length});
    session_->resume(*this);
}

void Http2Stream::end_response(bool complete) {
    if (!streaming_) {
        log::error("end of a streamed response that never began ignored");
        return;
    }
    streaming_ = false;
    observer_ = nullptr;
    if (closed_) return session_->release(*this);
    if (!complete) return session_->reset(*this, NGHTTP2_INTERNAL_ERROR);  // framing broke
    ended_ = true;
    session_->resume(*this);
}

size_t Http2Stream::data_ready(size_t length, bool& end) const {
    length = std::min(length, session_->host().listener_options().http.http2.chunk_size);
    size_t n = static_cast<size_t>(std::min<uint64_t>(length, pending_bytes_));
    end = ended_ && n == pending_bytes_;
    return n;
}

ssize_t Http2Stream::take_data(char* buf, size_t length, bool& end) {
    length = std::min(length, session_->host().listener_options().http.http2.chunk_size);
    size_t taken = 0;
    while (taken < length && !pieces_.empty()) {
        Piece& p = pieces_.front();
        size_t want = length - taken;
        size_t n;
        if (p.fd >= 0) {
            want = static_cast<size_t>(std::min<uint64_t>(want, p.length));
            ssize_t got;
            do {
                got = ::pread(p.fd, buf + taken, want, p.offset);
            } while (got < 0 && errno == EINTR);
            if (got <= 0) {
                log::error("reading a file for HTTP/2 stream {} failed", id_);
                return -1;
            }
            n = static_cast<size_t>(got);
            p.offset += got;
            p.length -= n;
        } else {
            n = std::min(want, static_cast<size_t>(p.length));
            std::copy_n(p.bytes.data() + p.offset, n, buf + taken);
            p.offset += static_cast<off_t>(n);
            p.length -= n;
        }
        taken += n;
        pending_bytes_ -= n;
        if (p.length == 0) {
            if (p.fd >= 0)
                ::close(p.fd);
            else
                spare_bytes_ = std::move(p.bytes);
            pieces_.pop_front();
        }
    }
    end = ended_ && pieces_.empty();
    if (taken > 0) output_sent_ = true;
    return static_cast<ssize_t>(taken);
}

// After the frames went out, not inside nghttp2's callback: the observer may queue more.
void Http2Stream::notify_output_sent() {
    if (!output_sent_) return;
    output_sent_ = false;
    if (observer_) observer_->on_output_sent();
}

void Http2Stream::on_closed() {
    closed_ = true;
    body_deadline_ms_ = 0;
    if (observer_) {
        ExchangeObserver* observer = observer_;
        observer_ = nullptr;
        observer->on_client_gone();
    }
}

}  // namespace strata::net
