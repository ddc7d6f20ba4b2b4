// The HTTP/2 side of HttpConnection: the switch from HTTP/1 (ALPN or the preface) and
// the I/O that feeds and drains the session.
#include <algorithm>
#include <string_view>

#include "strata/net/http_connection.h"

namespace strata::net {
namespace {

// RFC 9113 §3.4: what a client with prior knowledge sends first.
constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
constexpr size_t kReadSize = 16 * 1024;
// Frames are taken from the session while less than this waits to be written, so a
// client that reads slowly holds the responses in their streams, not in the output.
constexpr size_t kOutputBatch = 64 * 1024;

}  // namespace

// A cleartext connection on an HTTP/2 address that opens with the preface. A partial
// preface waits for the rest (it cannot be an HTTP/1 request line either).
bool HttpConnection::starts_http2() {
    std::string_view input = input_.view();
    size_t n = std::min(input.size(), kPreface.size());
    if (input.substr(0, n) != kPreface.substr(0, n)) return false;
    if (n < kPreface.size()) return true;
    start_http2();
    return true;
}

void HttpConnection::start_http2() {
    Http2Host& host = *this;  // the base is private: convert here, inside the class
    h2_ = std::make_unique<Http2Session>(host);
    header_timer_armed_ = false;
    if (input_.empty()) return http2_write();  // ALPN: the server's SETTINGS go first
    h2_busy_ = true;
    bool ok = h2_->receive(input_.view());
    h2_busy_ = false;
    input_.clear();
    http2_write();
    if (!ok) close();
}

void HttpConnection::http2_read() {
    h2_busy_ = true;
    bool ok = true;
    bool gone = false;
    for (;;) {
        char* at = input_.prepare(kReadSize);
        size_t room = input_.writable();
        IoResult r = transport().read(at, room);
        if (r.status == IoStatus::ok && r.bytes > 0) {
            ok = h2_->receive({at, r.bytes});
            if (!ok || r.bytes < room) break;
            continue;
        }
        gone = r.status != IoStatus::would_block;
        break;
    }
    h2_busy_ = false;
    if (gone) return close();
    http2_write();
    if (!ok && state_ != State::closed) close();  // the GOAWAY went out if it could
}

// Frames out until the socket is full or the session has nothing more; a stream that
// queues more meanwhile (a streamed body told its bytes went) is served in the loop.
void HttpConnection::http2_write() {
    if (state_ == State::closed) return;
    if (h2_busy_) return;  // called back from inside the session: its caller writes
    h2_busy_ = true;
    // Ends with the output empty and nothing more framed, or the socket full.
    for (;;) {
        while (output_.pending_bytes() < kOutputBatch)
            if (h2_->produce(output_.memory(), kOutputBatch) == 0) break;
        if (output_.pending_bytes() == 0) break;  // memory() may have left an empty buffer
        IoResult r = output_.flush(transport());
        if (r.status == IoStatus::closed || r.status == IoStatus::error) {
            h2_busy_ = false;
            return close();
        }
        if (r.status == IoStatus::would_block) break;  // EPOLLOUT resumes
        h2_->notify_output_sent();                     // streamed bodies may queue more
    }
    h2_busy_ = false;
    if (output_.pending_bytes() == 0) {
        output_.clear();  // an empty buffer left by produce() is no output to time
        if (h2_->finished()) return close();
    }
    update_timer();
}

void HttpConnection::on_output_ready() {
    http2_write();
}

uint64_t HttpConnection::now_ms() const {
    return host_.loop().now_ms();
}

// A stream answered after the client left: the connection goes once none is waiting.
void HttpConnection::on_stream_released() {
    if (state_ == State::closed && h2_->awaiting_responses() == 0) host_.on_closed(*this);
}

}  // namespace strata::net
