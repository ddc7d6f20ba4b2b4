// The error log, in nginx's line shape: "2026/11/24 01:30:00 [error] 1234#0: message".
#pragma once

#include <fmt/core.h>

#include <optional>
#include <string>
#include <string_view>

namespace strata::log {

enum class Level { debug, info, notice, warn, error, crit, alert, emerg };

std::string_view level_name(Level level);

// Lines below this level are dropped. Default: error, as nginx's error_log.
void set_level(Level level);
Level level();
// Where lines go: a file descriptor (stderr by default).
void set_fd(int fd);
// Appends to the file at `path` from now on, and remembers it for reopen(). Returns 0,
// or the errno of a failed open() (the destination is then unchanged).
int open_file(const std::string& path);
// Opens the remembered file again, after it was moved away (USR1); nothing for stderr.
void reopen();
// "debug" … "emerg", as error_log's level argument.
std::optional<Level> parse_level(std::string_view name);

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
