#include "strata/web/gzip_file_stream.h"

#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>

#include "strata/web/detached_request.h"

namespace strata::web {
namespace {

// Compressing pauses while this much output waits for the client.
constexpr uint64_t kUnsentWindow = 64 * 1024;
// Plain bytes read and compressed per step (nginx reads files in 32k output buffers).
constexpr size_t kReadSlice = 32 * 1024;

class GzipFileStream final : private net::ExchangeObserver {
  public:
    GzipFileStream(RequestContext& ctx, FileBody body, uint64_t size, const GzipParams& params)
        : body_(std::move(body)),
          size_(size),
          encoder_(params),
          request_(DetachedRequest::from(ctx)),  // the handler's exchange is on its stack
          exchange_(request_.exchange) {}

    bool ok() const { return encoder_.ok(); }

    void start(const net::ResponseHead& head) {
        exchange_->begin_response(head, -1);
        exchange_->set_observer(this);
        pump();
    }

  private:
    void on_output_sent() override { pump(); }

    void on_client_gone() override {
        gone_ = true;
        if (!pumping_) finish();
    }

    // Compresses while the output has room; the connection calls back as it drains.
    // Sending can call back into pump() (the write drained) or on_client_gone() (it
    // failed): the flag keeps this loop the only one running.
    void pump() {
        if (pumping_) return;
        pumping_ = true;
        while (!gone_ && !done_ && exchange_->unsent_bytes() < kUnsentWindow) {
            packed_.clear();
            if (!compress_next(packed_)) {
                failed_ = true;
                break;
            }
            if (!packed_.empty()) exchange_->send_body(packed_);
        }
        pumping_ = false;
        if (gone_ || done_ || failed_) finish();
    }

    // The next slice of the file through the encoder; at the end, the gzip trailer.
    bool compress_next(std::string& out) {
        std::string_view slice;
        if (!read_slice(slice)) return false;
        offset_ += slice.size();
        if (!encoder_.feed(slice, out)) return false;
        if (offset_ < size_) return true;
        done_ = true;
        return encoder_.finish(out);
    }

    bool read_slice(std::string_view& slice) {
        size_t want = static_cast<size_t>(std::min<uint64_t>(size_ - offset_, kReadSlice));
        if (body_.content) {
            if (offset_ + want > body_.content->size()) return false;
            slice = std::string_view(*body_.content).substr(offset_, want);
            return true;
        }
        plain_.resize(want);
        ssize_t n;
        do {
            n = ::pread(body_.fd, plain_.data(), want, static_cast<off_t>(offset_));
        } while (n < 0 && errno == EINTR);
        if (n <= 0 && want > 0) return false;  // shrank under us: the framing cannot end well
        slice = std::string_view(plain_.data(), static_cast<size_t>(std::max<ssize_t>(n, 0)));
        return true;
    }

    // The last call on the exchange (the access log line is written by it), then the
    // stream is done with everything it owns.
    void finish() {
        exchange_->end_response(done_ && !failed_ && !gone_);
        delete this;
    }

    FileBody body_;
    uint64_t size_;
    uint64_t offset_ = 0;
    GzipEncoder encoder_;
    DetachedRequest request_;
    net::Exchange* exchange_;
    std::string plain_;
    std::string packed_;
    bool pumping_ = false;
    bool done_ = false;
    bool failed_ = false;
    bool gone_ = false;
};

}  // namespace

void stream_gzipped_file(RequestContext& ctx, const net::ResponseHead& head, FileBody body,
                         uint64_t size, const GzipParams& params) {
    auto stream = std::make_unique<GzipFileStream>(ctx, std::move(body), size, params);
    if (!stream->ok()) return ctx.exchange.respond_error(500);
    stream.release()->start(head);  // frees itself when the response ends
}

}  // namespace strata::web
