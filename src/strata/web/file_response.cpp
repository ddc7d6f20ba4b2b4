#include "strata/web/file_response.h"

#include <unistd.h>

#include <algorithm>
#include <utility>

#include "strata/base/http_date.h"
#include "strata/http/error_page.h"
#include "strata/web/byte_ranges.h"
#include "strata/web/conditional.h"
#include "strata/web/content_type.h"
#include "strata/web/front_handler.h"
#include "strata/web/gzip_file_stream.h"
#include "strata/web/multipart_byteranges.h"
#include "strata/web/response_filters.h"

namespace strata::web {
namespace {

// Files up to this size are gzipped in one go: one window of the stream's output.
constexpr uint64_t kGzipStreamThreshold = 64 * 1024;
// Fields a file's head usually carries besides the fixed ones: ETag, Accept-Ranges.
constexpr size_t kUsualFileHeaders = 2;

// nginx's strong ETag, "\"<mtime hex>-<size hex>\"", at its longest (a negative mtime
// prints as "-" and its magnitude).
constexpr size_t kMaxEtagLength = 1 + 1 + 16 + 1 + 16 + 1;

// What the response says about the file, computed once. The validators' text lives
// here, not on the heap: the heads built from these facts are sent before
// respond_with_file() returns, so their views into it never outlive it.
struct FileFacts {
    uint64_t size;
    std::time_t mtime;
    std::string_view content_type;
    size_t etag_length = 0;  // 0 with `etag off`
    char etag_text[kMaxEtagLength];
    char last_modified_text[kHttpDateLength];

    std::string_view etag() const { return {etag_text, etag_length}; }
    std::string_view last_modified() const { return {last_modified_text, kHttpDateLength}; }
};

// Lower-case hex digits of `value`, most significant first; returns the end.
char* put_hex(char* out, uint64_t value) {
    static constexpr char kDigits[] = "0123456789abcdef";
    char reversed[16];
    size_t n = 0;
    do {
        reversed[n++] = kDigits[value & 0xf];
        value >>= 4;
    } while (value);
    while (n > 0)
        *out++ = reversed[--n];
    return out;
}

// A signed value in hex as fmt's "{:x}" writes it: a "-" before the magnitude.
char* put_signed_hex(char* out, int64_t value) {
    if (value >= 0) return put_hex(out, static_cast<uint64_t>(value));
    *out++ = '-';
    return put_hex(out, 0 - static_cast<uint64_t>(value));
}

size_t format_etag(const struct stat& st, char* out) {
    char* p = out;
    *p++ = '"';
    p = put_signed_hex(p, st.st_mtime);
    *p++ = '-';
    p = put_signed_hex(p, st.st_size);
    *p++ = '"';
    return static_cast<size_t>(p - out);
}

// Files keep their mtime across many responses: its date is formatted once per change,
// not per response (one cache per loop thread).
void format_last_modified(std::time_t mtime, char* out) {
    thread_local HttpDateCache dates;
    std::string_view date = dates.get(mtime);
    std::copy(date.begin(), date.end(), out);
}

void fill_facts(FileFacts& f, const RequestContext& ctx, const std::string& path,
                const struct stat& st) {
    f.size = static_cast<uint64_t>(st.st_size);
    f.mtime = st.st_mtime;
    f.content_type = content_type_for(path, ctx.settings());
    f.etag_length = *ctx.settings().etag ? format_etag(st, f.etag_text) : 0;
    format_last_modified(st.st_mtime, f.last_modified_text);
}

bool read_range(const FileBody& body, uint64_t offset, uint64_t length, std::string& out) {
    if (body.content) {
        if (offset + length > body.content->size()) return false;
        out.append(*body.content, offset, length);
        return true;
    }
    int fd = body.fd;
    size_t start = out.size();
    out.resize(start + length);
    size_t done = 0;
    while (done < length) {
        ssize_t n = ::pread(fd, out.data() + start + done, length - done,
                            static_cast<off_t>(offset + done));
        if (n <= 0) return false;
        done += static_cast<size_t>(n);
    }
    return true;
}

// Sends `length` bytes from `offset`: from the cached bytes, or the file as the
// location says (sendfile, tcp_nopush).
void send_range(RequestContext& ctx, net::ResponseHead& head, FileBody& body, uint64_t offset,
                uint64_t length) {
    if (body.content)
        return ctx.exchange.respond(head, std::string_view(*body.content).substr(offset, length));
    head.sendfile = *ctx.settings().sendfile;
    head.tcp_nopush = *ctx.settings().tcp_nopush;
    int fd = std::exchange(body.fd, -1);
    ctx.exchange.respond_file(head, fd, static_cast<off_t>(offset), length);
}

// The head every answer about the file starts from: nginx keeps Last-Modified only on
// 200, 206 and 304.
net::ResponseHead file_head(const FileFacts& f, int status) {
    net::ResponseHead head;
    head.status = status;
    head.content_type = f.content_type;
    if (status == 200 || status == 206 || status == 304) head.last_modified = f.last_modified();
    // Room for ETag and what the filters add most often (Accept-Ranges): one allocation.
    head.headers.reserve(kUsualFileHeaders);
    if (f.etag_length > 0) head.headers.push_back({"ETag", f.etag()});
    return head;
}

// The file through the gzip filter: a short one read and compressed at once, a longer
// one streamed as the client takes it. HEAD gets the gzipped head alone.
void respond_gzipped_file(RequestContext& ctx, net::ResponseHead& head, const FileFacts& f,
                          FileBody& body, const GzipOptions& options) {
    if (ctx.is_head) {
        mark_gzipped(ctx, head);
        return ctx.exchange.respond(head, {});
    }
    if (f.size > kGzipStreamThreshold) {
        mark_gzipped(ctx, head);
        return stream_gzipped_file(ctx, head, std::move(body), f.size,
                                   gzip_params(options, f.size));
    }
    std::string plain;
    if (!read_range(body, 0, f.size, plain)) return ctx.exchange.respond_error(500);
    respond_through_gzip(ctx, head, plain);
}

void respond_multipart(RequestContext& ctx, net::ResponseHead& head, const FileFacts& f,
                       const FileBody& file, const RangePlan& plan) {
    // nginx numbers boundaries per process from 1; a worker is one thread.
    static uint64_t boundary_counter = 0;
    MultipartRanges parts =
        build_multipart_byteranges(plan.ranges, f.size, f.content_type, ++boundary_counter);
    std::string body;
    body.reserve(parts.content_length);
    for (const BodySegment& s : parts.segments) {
        if (s.is_literal()) {
            body += s.literal;
        } else if (!read_range(file, s.file.offset, s.file.length, body)) {
            return ctx.exchange.respond_error(500);
        }
    }
    head.status = 206;
    head.content_type = ctx.keep(parts.content_type);
    ctx.exchange.respond(head, body);
}

void respond_with_ranges(RequestContext& ctx, net::ResponseHead& head, const FileFacts& f,
                         FileBody& body) {
    Validators v{f.etag(), f.mtime};
    RangePlan plan = plan_byte_ranges(range_headers(ctx.exchange.request()), f.size, v);
    switch (plan.kind) {
        case RangeKind::full:
            if (plan.accept_ranges) head.headers.push_back({"Accept-Ranges", "bytes"});
            return send_range(ctx, head, body, 0, f.size);
        case RangeKind::partial: {
            const ByteRange& r = plan.ranges.front();
            head.status = 206;
            head.headers.push_back({"Content-Range", ctx.keep(content_range(r, f.size))});
            return send_range(ctx, head, body, r.offset, r.length);
        }
        case RangeKind::multipart:
            return respond_multipart(ctx, head, f, body, plan);
        case RangeKind::unsatisfiable: {
            net::ResponseHead error;
            error.status = 416;
            error.content_type = "text/html";
            error.headers.push_back({"Content-Range", ctx.keep(unsatisfied_content_range(f.size))});
            return ctx.exchange.respond(
                error, ctx.keep(http::error_page(416, server_token(ctx.settings()))));
        }
    }
}

}  // namespace

FileBody::~FileBody() {
    if (fd >= 0) ::close(fd);
}

void respond_with_file(RequestContext& ctx, const std::string& path, FileBody body,
                       const struct stat& st) {
    FileFacts f;
    fill_facts(f, ctx, path, st);
    int status = ctx.error_status != 0 ? ctx.error_status : 200;
    if (status == 200) {
        if (std::optional<int> answer = precondition_status(ctx, {f.etag(), f.mtime})) {
            if (*answer == 412) return finish_with_error(ctx, 412);
            return respond_not_modified(ctx, file_head(f, 304), f.mtime);
        }
    }
    net::ResponseHead head = file_head(f, status);
    add_header_filter(ctx, head, f.mtime);
    GzipOptions scratch;
    const GzipOptions& gzip = gzip_options(ctx.settings(), scratch);
    GzipDecision decision = decide_gzip_for(ctx, gzip, {status, f.content_type, f.size, false});
    head.vary_accept_encoding = decision.vary;
    if (decision.compress) return respond_gzipped_file(ctx, head, f, body, gzip);
    if (status != 200) return send_range(ctx, head, body, 0, f.size);  // error pages
    respond_with_ranges(ctx, head, f, body);
}

}  // namespace strata::web
