// The error log. Two line shapes, one per front end:
//   nginx    (default)  "2026/11/24 01:30:00 [error] 1234#0: message"
//   gunicorn            "[2026-11-24 01:30:00 +0000] [1234] [ERROR] message"
// Every line leaves in one write() under a process-wide lock, so lines from the event-loop
// thread and app threads never interleave, and a reopen() never races a write.
#pragma once

#include <fmt/core.h>

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace strata::log {

enum class Level { debug, info, notice, warn, error, crit, alert, emerg };

// How lines look: nginx's error_log, or gunicorn's (Python logging's
// "%(asctime)s [%(process)d] [%(levelname)s] %(message)s", asctime in local time as
// "[%Y-%m-%d %H:%M:%S %z]").
enum class Style { nginx, gunicorn };

std::string_view level_name(Level level);
// gunicorn's (Python logging's) names: DEBUG; INFO for info and notice; WARNING; ERROR;
// CRITICAL for crit, alert and emerg.
std::string_view gunicorn_level_name(Level level);

// Lines below this level are dropped. Default: error, as nginx's error_log.
void set_level(Level level);
Level level();
// Default: nginx. Set once at start-up, before threads exist.
void set_style(Style style);
Style style();
// Where lines go: a file descriptor (stderr by default).
void set_fd(int fd);
// Appends to the file at `path` from now on, and remembers it for reopen(). Returns 0,
// or the errno of a failed open() (the destination is then unchanged).
int open_file(const std::string& path);
// Opens the remembered file again, after it was moved away (USR1); nothing for stderr.
void reopen();
// "debug" … "emerg", as error_log's level argument.
std::optional<Level> parse_level(std::string_view name);
// gunicorn's --log-level: "debug", "info", "warning", "error", "critical", in any case.
// nullopt for anything else; gunicorn itself then quietly uses info, so callers that want
// its behaviour write `parse_gunicorn_level(name).value_or(Level::info)`.
std::optional<Level> parse_gunicorn_level(std::string_view name);

// The line write() sends for `message`, newline included, stamped with `when` (local
// time) and `pid`. The message goes out as it is: a multi-line one (a traceback) gets one
// prefix, then its lines, as Python's logging writes it — pass a traceback without its
// final newline, as logging.exception() does, or the line ends with an empty one.
std::string format_line(Style style, Level level, std::string_view message, std::time_t when,
                        int pid);

void write(Level level, std::string_view message);

template <class... Args>
void emit(Level lvl, fmt::format_string<Args...> format, Args&&... args) {
    if (lvl < level()) return;
    write(lvl, fmt::format(format, std::forward<Args>(args)...));
}

template <class... Args>
void alert(fmt::format_string<Args...> format, Args&&... args) {
    emit(Level::alert, format, std::forward<Args>(args)...);
}
template <class... Args>
void error(fmt::format_string<Args...> format, Args&&... args) {
    emit(Level::error, format, std::forward<Args>(args)...);
}
template <class... Args>
void warn(fmt::format_string<Args...> format, Args&&... args) {
    emit(Level::warn, format, std::forward<Args>(args)...);
}
template <class... Args>
void notice(fmt::format_string<Args...> format, Args&&... args) {
    emit(Level::notice, format, std::forward<Args>(args)...);
}
template <class... Args>
void info(fmt::format_string<Args...> format, Args&&... args) {
    emit(Level::info, format, std::forward<Args>(args)...);
}

}  // namespace strata::log
