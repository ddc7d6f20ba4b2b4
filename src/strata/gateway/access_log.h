// gunicorn's access log (--access-logfile, --access-logformat): one line per response, in
// a Python %-format over gunicorn 20.1's atoms (glogging.Logger.atoms):
//
//   h remote address ("" on a unix socket)  l "-"          u Basic-auth user or "-"
//   t [24/Nov/2026:10:00:00 +0000]           r "GET /p?q HTTP/1.1"   m method
//   U path, percent-decoded (PATH_INFO)      q query         H protocol
//   s status     B body bytes    b body bytes (as a string; gunicorn never prints "-")
//   f Referer or "-"    a User-Agent or "-"
//   T seconds    M milliseconds    D microseconds    L "0.001234"    p "<1234>"
//   {name}i request header    {name}o response header    {name}e WSGI environ entry
//
// Anything else prints "-". As gunicorn: keys inside braces are case-insensitive (the
// whole key is lowercased), a repeated header gives its last value ({http_x}e joins them
// with ","), string values have '"' escaped as '\"' and nothing else, and bytes from the
// request (latin-1 to Python) come out UTF-8 encoded. "{name}e" knows the CGI variables
// the request determines and wsgi.url_scheme, not entries an app adds to its environ.
//
// The format is compiled once. Rendering works in stack buffers: it allocates nothing
// unless the line passes 500 bytes or one value (a joined field, the request line) 1 KiB.
// A format Python would reject — or one that prints gunicorn's whole atom dict ("%s"), or
// uses a conversion other than s, d, i, u, x, X, o — fails to compile, with Python's words.
#pragma once

#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "strata/base/result.h"
#include "strata/gateway/app.h"
#include "strata/gateway/request.h"

namespace strata::gateway {

struct AccessRecord {
    const Request& request;  // strata/gateway/request.h
    int status = 0;
    const ResponseHeaders* response_headers = nullptr;  // as the app gave them; null: none
    uint64_t body_bytes = 0;                            // body bytes sent
    std::chrono::system_clock::time_point start;        // when the request arrived
    std::chrono::microseconds duration{0};
    // The response came from gunicorn's handle_error() path: the app failed before it
    // started a response (500). gunicorn then logs from a bare environ — U prints "None";
    // f, a, u and the {…}e entries made from headers, PATH_INFO, SCRIPT_NAME, SERVER_*
    // and wsgi.url_scheme print "-" ({remote_port}e is "-1" on a unix socket) — with no
    // response headers and 0 bytes. Set it to log such a response exactly as gunicorn.
    bool error_path = false;
};

// gunicorn's default access_log_format.
inline constexpr std::string_view kDefaultAccessLogFormat =
    R"(%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s")";

// A compiled access_log_format.
class AccessFormat {
  public:
    // The compiled form; public for the implementation's helpers, not for callers.
    // Python's conversion spec between "%(key)" and the conversion letter.
    struct Spec {
        bool left = false;       // '-'
        bool zero = false;       // '0'
        bool alternate = false;  // '#'
        char sign = 0;           // '+' or ' ', or 0
        int width = 0;
        int precision = -1;  // none
        char conversion = 's';
    };
    enum class Atom : uint8_t;
    struct Part {
        Atom atom;
        Spec spec;
        std::string text;  // the literal, or the key's name for {…}i / {…}o / {…}e
    };

    // The parts of `format`, or why it cannot be used (with its position, as Python says).
    static Result<AccessFormat, std::string> compile(std::string_view format);
    // Appends `record`'s line, without the newline.
    void render(const AccessRecord& record, fmt::memory_buffer& out) const;
    std::string render(const AccessRecord& record) const;

  private:
    std::vector<Part> parts_;
};

class AccessLog {
  public:
    // target: "-" for stdout, a path (appended to), or empty for no access log.
    // Never fails: check error() before serving.
    AccessLog(std::string_view format, std::string target);
    ~AccessLog();
    AccessLog(const AccessLog&) = delete;
    AccessLog& operator=(const AccessLog&) = delete;

    // A target was given, the format compiled and the file is open.
    bool enabled() const;
    // Empty, or why nothing will be logged, for start-up to report before exiting 1 as
    // gunicorn does: the format's error, or the file's in gunicorn's words
    // ("Error: '/x/a.log' isn't writable [PermissionError(13, 'Permission denied')]").
    const std::string& error() const { return error_; }

    // Writes the line with one write(); safe from any thread.
    void log(const AccessRecord& record);
    // USR1: opens the file again after it was moved away. If that fails the old file
    // stays and the failure goes to the error log.
    void reopen();

  private:
    AccessFormat format_;
    std::string target_;
    std::string error_;
    bool enabled_ = false;  // fixed at construction
    bool owns_fd_ = false;  // a file we opened, not stdout
    std::mutex mutex_;      // keeps lines whole across threads, and fd_ steady under reopen()
    int fd_ = -1;
};

}  // namespace strata::gateway
