#include "strata/net/http2_session.h"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <cstring>

#include "strata/base/log.h"
#include "strata/net/http2_memory.h"
#include "strata/net/http2_stream.h"
#include "strata/net/http2_stream_pool.h"

namespace strata::net {
namespace {

// The connection's receive window: large, so one upload never stalls the others.
constexpr int32_t kConnectionWindow = 16 * 1024 * 1024;
// Rapid reset (CVE-2023-44487): more resets than this burst, refilled at this rate per
// second, and the connection is ended with GOAWAY.
constexpr uint64_t kResetBurst = 1000;
constexpr uint64_t kResetRate = 33;
// CONTINUATION floods: a header block may not come in more frames than this.
constexpr size_t kMaxContinuations = 8;
// SETTINGS floods: entries in one frame, and unacknowledged SETTINGS/PING replies.
constexpr size_t kMaxSettings = 32;
constexpr size_t kMaxOutboundAcks = 1000;
constexpr size_t kFrameHeaderSize = 9;

Http2Session& session_of(void* user_data) {
    return *static_cast<Http2Session*>(user_data);
}

std::string_view text(const uint8_t* data, size_t length) {
    return {reinterpret_cast<const char*>(data), length};
}

bool ends_stream(const nghttp2_frame* frame) {
    return (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
}

int on_begin_headers(nghttp2_session* /*session*/, const nghttp2_frame* frame, void* user_data) {
    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST)
        session_of(user_data).open_stream(frame->hd.stream_id);
    return 0;
}

// Request fields; trailers (a later HEADERS) are read and dropped, as RFC 9113 §8.1
// allows (nginx 1.22 instead ends the connection with PROTOCOL_ERROR). Trailers that
// decode past the head's limit reset their stream with ENHANCE_YOUR_CALM, as nginx
// answers an HPACK bomb.
int on_header(nghttp2_session* session, const nghttp2_frame* frame, const uint8_t* name,
              size_t name_length, const uint8_t* value, size_t value_length, uint8_t /*flags*/,
              void* user_data) {
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    Http2Stream* stream = session_of(user_data).stream(frame->hd.stream_id);
    if (!stream) return 0;
    if (frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
        stream->add_field(text(name, name_length), text(value, value_length));
        return 0;
    }
    if (stream->count_trailer_field(name_length + value_length)) return 0;
    nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, frame->hd.stream_id,
                              NGHTTP2_ENHANCE_YOUR_CALM);
    return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
}

int on_frame_recv(nghttp2_session* /*session*/, const nghttp2_frame* frame, void* user_data) {
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
    Http2Stream* stream = session_of(user_data).stream(frame->hd.stream_id);
    if (stream == nullptr) return 0;
    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST)
        stream->finish_head(ends_stream(frame));
    if (ends_stream(frame)) stream->dispatch();
    return 0;
}

int on_data_chunk(nghttp2_session* /*session*/, uint8_t /*flags*/, int32_t stream_id,
                  const uint8_t* data, size_t length, void* user_data) {
    Http2Stream* stream = session_of(user_data).stream(stream_id);
    if (stream) stream->add_body(text(data, length));
    return 0;
}

// A response has gone out whole while the client still uploads a refused body: end the
// upload (RFC 9113 §8.1). A client that had finished gets no RST_STREAM: the stream is
// closed, and a closed stream takes no more frames (§5.1).
int on_frame_send(nghttp2_session* session, const nghttp2_frame* frame, void* user_data) {
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
    if (!ends_stream(frame)) return 0;
    if (nghttp2_session_get_stream_remote_close(session, frame->hd.stream_id) != 0) return 0;
    Http2Stream* stream = session_of(user_data).stream(frame->hd.stream_id);
    if (stream && stream->reset_after_response())
        nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, frame->hd.stream_id,
                                  NGHTTP2_NO_ERROR);
    return 0;
}

int on_stream_close(nghttp2_session* /*session*/, int32_t stream_id, uint32_t /*error_code*/,
                    void* user_data) {
    session_of(user_data).close_stream(stream_id);
    return 0;
}

// A DATA frame whose payload read_source left uncopied: header and payload go straight
// into the output produce() fills, the payload read from the stream's file or memory.
// The frame is always written whole, so no half-sent frame outlives the call (its
// stream may be gone by the next one); a full output pauses nghttp2 after it.
int on_send_data(nghttp2_session* /*session*/, nghttp2_frame* frame, const uint8_t* header,
                 size_t length, nghttp2_data_source* source, void* user_data) {
    Http2Session& session = session_of(user_data);
    Buffer* out = session.output();
    if (out == nullptr) return NGHTTP2_ERR_CALLBACK_FAILURE;  // never: only produce() sends
    auto* stream = static_cast<Http2Stream*>(source->ptr);
    size_t padding = frame->data.padlen;  // with its length byte; 0 unless padding is chosen
    char* at = out->prepare(kFrameHeaderSize + padding + length);
    std::memcpy(at, header, kFrameHeaderSize);
    size_t size = kFrameHeaderSize;
    if (padding > 0) at[size++] = static_cast<char>(padding - 1);
    bool end = false;
    ssize_t n = stream->take_data(at + size, length, end);
    if (n < 0) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // the file failed: reset
    if (static_cast<size_t>(n) != length) return NGHTTP2_ERR_CALLBACK_FAILURE;
    size += length;
    if (padding > 1) {
        std::memset(at + size, 0, padding - 1);
        size += padding - 1;
    }
    out->commit(size);
    return session.output_full() ? NGHTTP2_ERR_PAUSE : 0;
}

nghttp2_session_callbacks* make_callbacks() {
    nghttp2_session_callbacks* callbacks = nullptr;
    nghttp2_session_callbacks_new(&callbacks);
    nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(callbacks, on_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, on_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, on_data_chunk);
    nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, on_frame_send);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, on_stream_close);
    nghttp2_session_callbacks_set_send_data_callback(callbacks, on_send_data);
    return callbacks;
}

nghttp2_option* make_options() {
    nghttp2_option* options = nullptr;
    nghttp2_option_new(&options);
    nghttp2_option_set_stream_reset_rate_limit(options, kResetBurst, kResetRate);
    nghttp2_option_set_max_continuations(options, kMaxContinuations);
    nghttp2_option_set_max_settings(options, kMaxSettings);
    nghttp2_option_set_max_outbound_ack(options, kMaxOutboundAcks);
    // Clients signal urgency of the RFC 9218 scheme in PRIORITY_UPDATE frames.
    nghttp2_option_set_builtin_recv_extension_type(options, NGHTTP2_PRIORITY_UPDATE);
    return options;
}

}  // namespace

Http2Session::Http2Session(Http2Host& host) : host_(host) {
    static nghttp2_session_callbacks* const callbacks = make_callbacks();
    static nghttp2_option* const options = make_options();
    nghttp2_session_server_new3(&session_, callbacks, this, options, http2_memory());
    submit_settings();
}

Http2Session::~Http2Session() {
    nghttp2_session_del(session_);
}

void Http2Session::submit_settings() {
    const Http2Options& o = host_.listener_options().http.http2;
    const nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, o.max_concurrent_streams},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, o.body_preread_size},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, static_cast<uint32_t>(o.max_header_bytes)},
        // RFC 9218 priorities instead of RFC 7540's dependency tree, which browsers no longer
        // send and which costs nghttp2 a tree update per stream and keeps closed streams.
        {NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES, 1},
    };
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings));
    nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0, kConnectionWindow);
}

bool Http2Session::receive(std::string_view bytes) {
    ssize_t n = nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(bytes.data()),
                                         bytes.size());
    if (n >= 0) return true;
    log::info("HTTP/2 connection from {} ended: {}", host_.peer().text(),
              nghttp2_strerror(static_cast<int>(n)));
    return false;
}

// DATA payloads are appended by on_send_data while nghttp2_session_mem_send() runs, the
// other frames from what it returns.
size_t Http2Session::produce(Buffer& out, size_t limit) {
    size_t before = out.size();
    out_ = &out;
    out_limit_ = limit;
    while (out.size() < limit) {
        const uint8_t* data = nullptr;
        ssize_t n = nghttp2_session_mem_send(session_, &data);
        if (n <= 0) {
            if (n < 0)
                log::error("HTTP/2 framing failed: {}", nghttp2_strerror(static_cast<int>(n)));
            break;
        }
        out.append(text(data, static_cast<size_t>(n)));
    }
    out_ = nullptr;
    return out.size() - before;
}

bool Http2Session::output_full() const {
    return out_ == nullptr || out_->size() >= out_limit_;
}

void Http2Session::collect_finished() {
    for (std::unique_ptr<Http2Stream>& stream : graveyard_)
        Http2StreamPool::give_back(std::move(stream));
    graveyard_.clear();
}

// By index: a stream's observer may queue more, which closes no stream (closing happens
// inside nghttp2's calls, and the connection makes none from here).
void Http2Session::notify_output_sent() {
    for (size_t i = 0; i < streams_.size(); ++i)
        streams_[i]->notify_output_sent();
}

bool Http2Session::finished() const {
    return nghttp2_session_want_read(session_) == 0 && nghttp2_session_want_write(session_) == 0;
}

size_t Http2Session::awaiting_responses() const {
    size_t n = orphans_.size();
    for (const auto& stream : streams_)
        if (stream->awaiting_response()) ++n;
    return n;
}

uint64_t Http2Session::next_body_deadline() const {
    uint64_t next = 0;
    for (const auto& stream : streams_) {
        uint64_t at = stream->body_deadline();
        if (at != 0 && (next == 0 || at < next)) next = at;
    }
    return next;
}

void Http2Session::expire_stalled_bodies(uint64_t now) {
    std::vector<Http2Stream*> stalled;  // time_out_body() may change streams_
    for (const auto& stream : streams_) {
        uint64_t at = stream->body_deadline();
        if (at != 0 && at <= now) stalled.push_back(stream.get());
    }
    for (Http2Stream* stream : stalled)
        stream->time_out_body();
}

void Http2Session::shutdown_gracefully() {
    nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE,
                          nghttp2_session_get_last_proc_stream_id(session_), NGHTTP2_NO_ERROR,
                          nullptr, 0);
}

void Http2Session::connection_lost() {
    while (!streams_.empty())
        close_stream(*streams_.back());
}

Http2Stream* Http2Session::stream(int32_t id) {
    if (recent_ != nullptr && recent_->id() == id) return recent_;
    auto* found = static_cast<Http2Stream*>(nghttp2_session_get_stream_user_data(session_, id));
    if (found != nullptr) recent_ = found;
    return found;
}

// nginx ends a connection after keepalive_requests streams (its defence against
// clients that open and reset streams without end).
Http2Stream& Http2Session::open_stream(int32_t id) {
    Http2Stream& stream = *streams_.emplace_back(Http2StreamPool::take(*this, id));
    nghttp2_session_set_stream_user_data(session_, id, &stream);
    recent_ = &stream;
    if (++opened_ == host_.listener_options().request.keepalive_requests)
        nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE, id, NGHTTP2_NO_ERROR, nullptr, 0);
    return stream;
}

void Http2Session::close_stream(int32_t id) {
    if (Http2Stream* s = stream(id)) close_stream(*s);
}

// A stream whose handler still runs stays (an orphan) until it answers.
void Http2Session::close_stream(Http2Stream& closing) {
    nghttp2_session_set_stream_user_data(session_, closing.id(), nullptr);
    if (recent_ == &closing) recent_ = nullptr;
    auto it = std::find_if(streams_.begin(), streams_.end(),
                           [&closing](const auto& s) { return s.get() == &closing; });
    if (it == streams_.end()) return;
    std::unique_ptr<Http2Stream> stream = std::move(*it);
    *it = std::move(streams_.back());
    streams_.pop_back();
    stream->on_closed();
    if (stream->awaiting_response())
        orphans_.push_back(std::move(stream));
    else
        graveyard_.push_back(std::move(stream));
}

void Http2Session::resume(Http2Stream& stream) {
    nghttp2_session_resume_data(session_, stream.id());
    host_.on_output_ready();
}

void Http2Session::reset(Http2Stream& stream, uint32_t error_code) {
    nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream.id(), error_code);
    host_.on_output_ready();
}

void Http2Session::release(Http2Stream& stream) {
    auto it = std::find_if(orphans_.begin(), orphans_.end(),
                           [&stream](const auto& orphan) { return orphan.get() == &stream; });
    if (it == orphans_.end()) return;
    graveyard_.push_back(std::move(*it));
    orphans_.erase(it);
    host_.on_stream_released();
}

}  // namespace strata::net
