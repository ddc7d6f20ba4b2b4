#include "strata/web/access_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <fmt/core.h>

#include "strata/base/log.h"
#include "strata/base/version.h"
#include "strata/http/error_page.h"
#include "strata/http/status.h"
#include "strata/web/request_context.h"
#include "strata/web/request_error_log.h"

namespace strata::web {
namespace {

// nginx reports a log file it cannot write to at most once a minute.
constexpr std::time_t kFailedWriteReportInterval = 60;

int open_log_file(const std::string& path) {
    return ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
}

void collect_paths(const LocationSettings& s, std::map<std::string, int>& files) {
    if (!s.access_logs) return;
    for (const auto& [path, format] : *s.access_logs)
        files.emplace(path, -1);
}

void collect_paths(const std::vector<LocationConfig>& locations,
                   std::map<std::string, int>& files) {
    for (const LocationConfig& l : locations) {
        collect_paths(l.settings, files);
        collect_paths(l.children, files);
    }
}

bool has_no_body(int status) {
    return status < 200 || status == 204 || status == 304;
}

net::ResponseHead closing(const net::ResponseHead& head) {
    net::ResponseHead copy = head;
    copy.close = true;
    return copy;
}

// The head as the connection writes it: status line, Server, Date, Content-Type,
// Content-Length, Connection, the optional fields and the blank line. Exact to within
// the few bytes of the Server token and keep-alive vs close.
uint64_t head_size(const net::ResponseHead& head, uint64_t content_length) {
    constexpr uint64_t kFixed = 9 + 4 + 2      // "HTTP/1.1 " status " " … CRLF
                                + 8 + 13 + 2   // Server: strata/x.y.z
                                + 6 + 29 + 2   // Date
                                + 12 + 10 + 2  // Connection: keep-alive
                                + 2;           // the blank line
    uint64_t size = kFixed + http::reason_phrase(head.status).size();
    if (!head.content_type.empty()) size += 14 + head.content_type.size() + 2;
    if (head.chunked)
        size += 26 + 2;  // Transfer-Encoding: chunked
    else
        size += 16 + std::to_string(content_length).size() + 2;
    if (head.vary_accept_encoding) size += 22 + 2;
    if (!head.last_modified.empty()) size += 15 + head.last_modified.size() + 2;
    if (!head.location.empty()) size += 10 + head.location.size() + 2;
    for (const http::Header& h : head.headers)
        size += h.name.size() + 2 + h.value.size() + 2;
    return size;
}

}  // namespace

int64_t wall_clock_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Only servers and locations: the http level's logs reach requests through them, and
// its default is not opened when every server sets its own (as in nginx).
AccessLog::AccessLog(const MainConfig& config) : config_(config) {
    for (const ServerConfig& server : config.http.servers) {
        collect_paths(server.settings, files_);
        collect_paths(server.locations, files_);
    }
    reopen();
}

AccessLog::~AccessLog() {
    for (auto& [path, fd] : files_)
        if (fd >= 0) ::close(fd);
}

void AccessLog::reopen() {
    for (auto& [path, fd] : files_) {
        std::string full = path.front() == '/' ? path : config_.prefix + path;
        int fresh = open_log_file(full);
        if (fresh < 0) {
            log::emit(log::Level::alert, "open() \"{}\" failed ({}: {})", full, errno,
                      std::strerror(errno));
            continue;
        }
        if (fd >= 0) ::close(fd);
        fd = fresh;
    }
}

int AccessLog::fd_of(const std::string& path) const {
    auto it = files_.find(path);
    return it == files_.end() ? -1 : it->second;
}

void AccessLog::log(const RequestContext& ctx, const LoggedResponse& response) {
    if (!ctx.server) return;  // answered before a server was chosen: nothing says where
    const LocationSettings& s = ctx.settings();
    if (!s.access_logs) return;
    for (const auto& [path, name] : *s.access_logs) {
        auto format = config_.http.log_formats.find(name);
        int fd = fd_of(path);
        if (format == config_.http.log_formats.end() || fd < 0) continue;
        std::string line = format_log_line(format->second, ctx, response);
        line.push_back('\n');
        // One write() per line: appends from several workers do not interleave.
        ssize_t n = ::write(fd, line.data(), line.size());
        if (n != static_cast<ssize_t>(line.size()))
            report_failed_write(ctx, path, n, line.size(), errno);
    }
}

void AccessLog::report_failed_write(const RequestContext& ctx, const std::string& path,
                                    ssize_t written, size_t wanted, int error) {
    std::time_t now = std::time(nullptr);
    auto [last, first] = reported_.try_emplace(path, now);
    if (!first && now - last->second < kFailedWriteReportInterval) return;
    last->second = now;
    std::string message =
        written < 0
            ? fmt::format("write() to \"{}\" failed ({}: {})", path, error, std::strerror(error))
            : fmt::format("write() to \"{}\" was incomplete: {} of {}", path, written, wanted);
    log_request(ctx, log::Level::alert, message + " while logging request");
}

LoggingExchange::LoggingExchange(net::Exchange& inner, AccessLog* log)
    : ForwardingExchange(&inner), log_(log), start_ms_(log ? wall_clock_ms() : 0) {}

std::unique_ptr<LoggingExchange> LoggingExchange::detached() const {
    auto copy = std::make_unique<LoggingExchange>(inner(), log_);
    copy->start_ms_ = start_ms_;
    return copy;
}

// Logged before the response is handed on: handing it on may end the connection,
// and the line needs the request.
void LoggingExchange::respond(const net::ResponseHead& head, std::string_view body) {
    write_log(head, body.size());
    if (must_close(head)) return inner().respond(closing(head), body);
    inner().respond(head, body);
}

void LoggingExchange::respond_file(const net::ResponseHead& head, int fd, off_t offset,
                                   uint64_t length) {
    write_log(head, length);
    if (must_close(head)) return inner().respond_file(closing(head), fd, offset, length);
    inner().respond_file(head, fd, offset, length);
}

bool LoggingExchange::must_close(const net::ResponseHead& head) const {
    return ctx_ && ctx_->close_connection && !head.close;
}

void LoggingExchange::respond_error(int status) {
    net::ResponseHead head;
    head.status = status;
    head.content_type = "text/html";
    std::string_view token = options_ ? std::string_view(options_->server_token) : kServerToken;
    write_log(head, has_no_body(status) ? 0 : http::error_page(status, token).size());
    inner().respond_error(status);
}

void LoggingExchange::close_unanswered(int status) {
    if (log_ && ctx_) {
        LoggedResponse response{status, 0, 0, start_ms_, wall_clock_ms()};
        response.rejection = rejection_;
        log_->log(*ctx_, response);
    }
    inner().close_without_response();
}

// nginx logs `return 444` with its status and nothing sent.
void LoggingExchange::close_without_response() {
    if (log_ && ctx_) log_->log(*ctx_, {444, 0, 0, start_ms_, wall_clock_ms()});
    inner().close_without_response();
}

void LoggingExchange::begin_response(const net::ResponseHead& head, int64_t content_length) {
    streamed_head_ = net::ResponseHead{};
    streamed_head_.status = head.status;
    streamed_bytes_ = 0;
    if (must_close(head)) return inner().begin_response(closing(head), content_length);
    inner().begin_response(head, content_length);
}

void LoggingExchange::send_body(std::string_view bytes) {
    streamed_bytes_ += bytes.size();
    inner().send_body(bytes);
}

void LoggingExchange::send_body_file(int fd, off_t offset, uint64_t length) {
    streamed_bytes_ += length;
    inner().send_body_file(fd, offset, length);
}

void LoggingExchange::end_response(bool complete) {
    write_log(streamed_head_, streamed_bytes_);
    inner().end_response(complete);
}

void LoggingExchange::write_log(const net::ResponseHead& head, uint64_t body_bytes) {
    if (!log_ || !ctx_) return;
    bool head_only = inner().request().method == "HEAD";
    uint64_t sent = head_only || has_no_body(head.status) ? 0 : body_bytes;
    LoggedResponse response{head.status, sent, head_size(head, body_bytes), start_ms_,
                            wall_clock_ms()};
    response.rejection = rejection_;
    log_->log(*ctx_, response);
}

}  // namespace strata::web
