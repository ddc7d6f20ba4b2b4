#include "strata/web/deferred_response.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "strata/http/request_head.h"
#include "strata/web/front_handler.h"
#include "strata/web/response_filters.h"

namespace strata::web {
namespace {

// nginx sends the type it parsed from the upstream's head in the place of its own.
void move_content_type_into_head(net::ResponseHead& head) {
    auto it = std::find_if(head.headers.begin(), head.headers.end(), [](const http::Header& h) {
        return http::iequals(h.name, "Content-Type");
    });
    if (it == head.headers.end()) return;
    head.content_type = it->value;
    head.headers.erase(it);
}

bool content_encoded(const net::ResponseHead& head) {
    return std::any_of(head.headers.begin(), head.headers.end(), [](const http::Header& h) {
        return http::iequals(h.name, "Content-Encoding") && !h.value.empty();
    });
}

// A file range read into memory, for the gzip filter; false when the file fell short.
bool read_file_range(int fd, off_t offset, uint64_t length, std::string& out) {
    out.resize(length);
    size_t done = 0;
    while (done < length) {
        ssize_t n =
            ::pread(fd, out.data() + done, length - done, offset + static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<size_t>(n);
    }
    return true;
}

}  // namespace

DeferredResponse& DeferredResponse::start(const RequestContext& ctx, bool intercept_errors) {
    return *new DeferredResponse(ctx, intercept_errors);  // deletes itself: finish()
}

DeferredResponse::DeferredResponse(const RequestContext& ctx, bool intercept_errors)
    : request_(DetachedRequest::from(ctx)), intercept_errors_(intercept_errors) {}

void DeferredResponse::time_as_upstream(std::string peer) {
    UpstreamTry t;
    t.peer = std::move(peer);
    t.connect_ms = 0;
    timed_try_ = ctx().upstream_tries.size();
    ctx().upstream_tries.push_back(std::move(t));
    started_ = std::chrono::steady_clock::now();
}

namespace {

int64_t ms_since(std::chrono::steady_clock::time_point start) {
    auto elapsed = std::chrono::steady_clock::now() - start;
    return std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
}

}  // namespace

void DeferredResponse::note_head(int status) {
    if (!timed_try_) return;
    UpstreamTry& t = ctx().upstream_tries[*timed_try_];
    t.status = status;
    t.header_ms = ms_since(started_);
}

void DeferredResponse::note_body(uint64_t bytes) {
    if (timed_try_) ctx().upstream_tries[*timed_try_].response_length += bytes;
}

// Before the response's last call: the access log line is written by it.
void DeferredResponse::note_end() {
    if (timed_try_) ctx().upstream_tries[*timed_try_].response_ms = ms_since(started_);
}

bool DeferredResponse::intercepts(int status) const {
    if (!intercept_errors_ || status < 300) return false;
    const auto& pages = request_.ctx->settings().error_pages;
    return pages && pages->count(status) > 0;
}

std::optional<net::ResponseHead> DeferredResponse::filtered(const net::ResponseHead& head) {
    if (intercepts(head.status)) {
        discarding_ = true;
        answer_with_error_page(ctx(), head.status);
        return std::nullopt;
    }
    net::ResponseHead out = head;
    if (!keep_server_) out.server = {};  // the front server's own, as nginx replaces an upstream's
    move_content_type_into_head(out);
    add_header_filter(ctx(), out, -1);
    return out;
}

void DeferredResponse::respond(const net::ResponseHead& head, std::string_view body) {
    note_head(head.status);
    note_body(body.size());
    note_end();
    if (std::optional<net::ResponseHead> out = filtered(head)) {
        if (content_encoded(*out))
            request_.exchange->respond(*out, body);
        else
            respond_through_gzip(ctx(), *out, body);
    }
    finish();
}

void DeferredResponse::respond_file(const net::ResponseHead& head, int fd, off_t offset,
                                    uint64_t length) {
    note_head(head.status);
    note_body(length);
    note_end();
    if (std::optional<net::ResponseHead> out = filtered(head))
        request_.exchange->respond_file(*out, fd, offset, length);
    else
        ::close(fd);
    finish();
}

// The app failed before its head went out: the server's own error, which error_page
// answers when it names the status.
void DeferredResponse::respond_error(int status) {
    note_head(status);
    note_end();
    answer_with_error_page(ctx(), status);
    finish();
}

void DeferredResponse::close_without_response() {
    note_end();
    request_.exchange->close_without_response();
    finish();
}

void DeferredResponse::begin_response(const net::ResponseHead& head, int64_t content_length) {
    note_head(head.status);
    if (intercepts(head.status)) note_end();  // the error page's line is written first
    std::optional<net::ResponseHead> out = filtered(head);
    if (!out) return;  // an error page answered; the body that follows is dropped
    if (!content_encoded(*out)) {
        std::optional<uint64_t> length;
        if (content_length >= 0) length = static_cast<uint64_t>(content_length);
        GzipOptions scratch;
        const GzipOptions& options = gzip_options(ctx().settings(), scratch);
        GzipDecision decision =
            decide_gzip_for(ctx(), options, {out->status, out->content_type, length, false});
        out->vary_accept_encoding = decision.vary;
        if (decision.compress) {
            mark_gzipped(ctx(), *out);
            content_length = -1;
            if (!ctx().is_head) gzip_ = std::make_unique<GzipEncoder>(gzip_params(options, length));
        }
    }
    if (gzip_ && !gzip_->ok()) {
        discarding_ = true;
        return request_.exchange->respond_error(500);
    }
    request_.exchange->begin_response(*out, content_length);
}

void DeferredResponse::send_body(std::string_view bytes) {
    note_body(bytes.size());
    if (discarding_) return;
    if (!gzip_) return request_.exchange->send_body(bytes);
    send_compressed(bytes, false);
}

void DeferredResponse::send_body_file(int fd, off_t offset, uint64_t length) {
    note_body(length);
    if (discarding_) {
        ::close(fd);
        return;
    }
    if (!gzip_) return request_.exchange->send_body_file(fd, offset, length);
    std::string plain;
    bool read = read_file_range(fd, offset, length, plain);
    ::close(fd);
    if (!read) {
        gzip_failed_ = true;
        return;
    }
    send_compressed(plain, false);
}

void DeferredResponse::end_response(bool complete) {
    note_end();
    if (discarding_) return finish();
    if (gzip_) send_compressed({}, true);
    request_.exchange->end_response(complete && !gzip_failed_);
    finish();
}

uint64_t DeferredResponse::unsent_bytes() const {
    return discarding_ ? 0 : request_.exchange->unsent_bytes();
}

// A failed stream cannot be repaired mid-body: what follows is dropped and the end is
// marked incomplete, so the connection closes rather than lying about the framing.
void DeferredResponse::send_compressed(std::string_view plain, bool last) {
    if (gzip_failed_) return;
    packed_.clear();
    bool ok = gzip_->feed(plain, packed_) && (!last || gzip_->finish(packed_));
    if (!ok) gzip_failed_ = true;
    if (!packed_.empty()) request_.exchange->send_body(packed_);
}

}  // namespace strata::web
