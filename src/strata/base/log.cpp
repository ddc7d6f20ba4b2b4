#include "strata/base/log.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <string>

namespace strata::log {
namespace {

std::atomic<Level> g_level{Level::error};
std::atomic<Style> g_style{Style::nginx};

// The destination. Writers hold the lock across write() so that, within the process, a
// line is never split by another thread's line (a pipe only guarantees that up to
// PIPE_BUF bytes) and its descriptor is never closed under it by open_file().
struct Sink {
    std::mutex mutex;
    int fd = 2;
    std::string path;  // of the file open_file() opened; empty for a descriptor
};
Sink g_sink;

constexpr std::string_view kNames[] = {"debug", "info", "notice", "warn",
                                       "error", "crit", "alert",  "emerg"};
constexpr std::string_view kGunicornNames[] = {"DEBUG", "INFO",     "INFO",     "WARNING",
                                               "ERROR", "CRITICAL", "CRITICAL", "CRITICAL"};

struct GunicornLevel {
    std::string_view name;
    Level level;
};
constexpr GunicornLevel kGunicornLevels[] = {{"critical", Level::crit},
                                             {"error", Level::error},
                                             {"warning", Level::warn},
                                             {"info", Level::info},
                                             {"debug", Level::debug}};

bool iequals_ascii(std::string_view a, std::string_view lower) {
    if (a.size() != lower.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        char c = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] | 0x20) : a[i];
        if (c != lower[i]) return false;
    }
    return true;
}

void append_nginx_line(fmt::memory_buffer& out, Level lvl, std::string_view message,
                       const std::tm& tm, int pid) {
    char stamp[32];
    size_t n = strftime(stamp, sizeof stamp, "%Y/%m/%d %H:%M:%S", &tm);
    fmt::format_to(std::back_inserter(out), "{} [{}] {}#0: {}\n", std::string_view(stamp, n),
                   level_name(lvl), pid, message);
}

// Python's time.strftime("[%Y-%m-%d %H:%M:%S %z]"), written by hand so no locale applies.
void append_gunicorn_line(fmt::memory_buffer& out, Level lvl, std::string_view message,
                          const std::tm& tm, int pid) {
    long offset = tm.tm_gmtoff;
    char sign = offset < 0 ? '-' : '+';
    offset = std::labs(offset);
    fmt::format_to(std::back_inserter(out),
                   "[{:04}-{:02}-{:02} {:02}:{:02}:{:02} {}{:02}{:02}] [{}] [{}] {}\n",
                   tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                   sign, offset / 3600, offset % 3600 / 60, pid, gunicorn_level_name(lvl), message);
}

void append_line(fmt::memory_buffer& out, Style style, Level lvl, std::string_view message,
                 std::time_t when, int pid) {
    struct tm tm;
    localtime_r(&when, &tm);
    if (style == Style::gunicorn)
        append_gunicorn_line(out, lvl, message, tm, pid);
    else
        append_nginx_line(out, lvl, message, tm, pid);
}

// One write() in the common case; the loop only finishes a line the kernel took in part
// (a signal, a full pipe), still under the lock, so nothing lands in between.
void write_all(int fd, const char* data, size_t size) {
    while (size > 0) {
        ssize_t n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // nowhere to report a failing error log
        data += n;
        size -= static_cast<size_t>(n);
    }
}

}  // namespace

std::string_view level_name(Level lvl) {
    return kNames[static_cast<int>(lvl)];
}
std::string_view gunicorn_level_name(Level lvl) {
    return kGunicornNames[static_cast<int>(lvl)];
}
void set_level(Level lvl) {
    g_level = lvl;
}
Level level() {
    return g_level;
}
void set_style(Style style) {
    g_style = style;
}
Style style() {
    return g_style;
}

void set_fd(int fd) {
    std::lock_guard lock(g_sink.mutex);
    g_sink.fd = fd;
    g_sink.path.clear();
}

int open_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return errno;
    std::lock_guard lock(g_sink.mutex);
    // 0-2 are not ours to close.
    if (g_sink.fd > 2) ::close(g_sink.fd);
    g_sink.fd = fd;
    g_sink.path = path;
    return 0;
}

void reopen() {
    std::string path;
    {
        std::lock_guard lock(g_sink.mutex);
        path = g_sink.path;
    }
    if (path.empty()) return;
    if (int error = open_file(path); error != 0)
        write(Level::alert, fmt::format("open() \"{}\" failed ({})", path, error));
}

std::optional<Level> parse_level(std::string_view name) {
    for (size_t i = 0; i < std::size(kNames); ++i)
        if (kNames[i] == name) return static_cast<Level>(i);
    return std::nullopt;
}

std::optional<Level> parse_gunicorn_level(std::string_view name) {
    for (const GunicornLevel& entry : kGunicornLevels)
        if (iequals_ascii(name, entry.name)) return entry.level;
    return std::nullopt;
}

std::string format_line(Style style, Level lvl, std::string_view message, std::time_t when,
                        int pid) {
    fmt::memory_buffer out;
    append_line(out, style, lvl, message, when, pid);
    return fmt::to_string(out);
}

void write(Level lvl, std::string_view message) {
    // Formatted before taking the lock; short lines need no allocation.
    fmt::memory_buffer line;
    append_line(line, g_style, lvl, message, time(nullptr), getpid());
    std::lock_guard lock(g_sink.mutex);
    write_all(g_sink.fd, line.data(), line.size());
}

}  // namespace strata::log
