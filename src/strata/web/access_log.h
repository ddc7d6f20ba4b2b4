// nginx's access log: one line per response, in the `log_format` of each `access_log`
// of the location that answered. A worker owns one AccessLog; every distinct file is
// opened once (appending, so workers share it), and `USR1` reopens them all.
#pragma once

#include <cstdint>
#include <ctime>
#include <map>
#include <memory>
#include <string>

#include "strata/net/forwarding_exchange.h"
#include "strata/net/http_exchange.h"
#include "strata/web/http_config.h"
#include "strata/web/log_format.h"

namespace strata::web {

struct RequestContext;

class AccessLog {
  public:
    // Opens every file named by an `access_log` anywhere in `config`; relative paths
    // are under the prefix. A file that cannot be opened is reported in the error log
    // and skipped.
    explicit AccessLog(const MainConfig& config);
    ~AccessLog();
    AccessLog(const AccessLog&) = delete;
    AccessLog& operator=(const AccessLog&) = delete;

    // Writes the request's line to each log of its location (none with `access_log off`).
    void log(const RequestContext& ctx, const LoggedResponse& response);
    // Opens every file again, for log rotation; a file that fails keeps its old one.
    void reopen();

    // The file descriptor `path` (as configured) is written to; -1 when not open.
    int fd_of(const std::string& path) const;

  private:
    // A failed or short write is reported as nginx does: an alert in the request's error
    // log, at most once a minute per file; serving goes on.
    void report_failed_write(const RequestContext& ctx, const std::string& path, ssize_t written,
                             size_t wanted, int error);

    const MainConfig& config_;
    std::map<std::string, int> files_;             // path as configured → descriptor
    std::map<std::string, std::time_t> reported_;  // path → when its last failure was logged
};

// An Exchange that forwards to the connection's and writes the access-log line when
// the handler answers, so every way of answering is logged in one place.
class LoggingExchange final : public net::ForwardingExchange {
  public:
    // `log` may be null: then it only forwards.
    LoggingExchange(net::Exchange& inner, AccessLog* log);

    // The request being answered; set once its context exists.
    void set_context(const RequestContext& ctx) { ctx_ = &ctx; }
    // The request is one the connection rejected (its line is logged as received).
    void set_rejection(const net::Rejection& rejection) { rejection_ = &rejection; }
    // Logs `status` with nothing sent and closes: a request the client never finished.
    void close_unanswered(int status);
    // For a response that goes on after the handler returns (a streamed gzip body): an
    // exchange over the same connection and log, with the same start time, to be given
    // a context that lives as long.
    std::unique_ptr<LoggingExchange> detached() const;

    void respond(const net::ResponseHead& head, std::string_view body) override;
    void respond_file(const net::ResponseHead& head, int fd, off_t offset,
                      uint64_t length) override;
    void respond_error(int status) override;
    void close_without_response() override;

    // A streamed response is logged when it ends, with the body bytes it carried.
    void begin_response(const net::ResponseHead& head, int64_t content_length) override;
    void send_body(std::string_view bytes) override;
    void send_body_file(int fd, off_t offset, uint64_t length) override;
    void end_response(bool complete) override;
    void set_options(const net::RequestOptions& options) override {
        options_ = &options;
        inner().set_options(options);
    }

  private:
    void write_log(const net::ResponseHead& head, uint64_t body_bytes);
    // Whether `head` must be sent saying close, for the request's sake.
    bool must_close(const net::ResponseHead& head) const;

    AccessLog* log_;
    const RequestContext* ctx_ = nullptr;
    const net::Rejection* rejection_ = nullptr;
    const net::RequestOptions* options_ = nullptr;  // the last set: its Server token
    int64_t start_ms_;
    net::ResponseHead streamed_head_;  // status and fields only: its views are not kept
    uint64_t streamed_bytes_ = 0;
};

// Milliseconds since the epoch, from the wall clock.
int64_t wall_clock_ms();

}  // namespace strata::web
