#include "strata/base/log.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>

namespace strata::log {
namespace {

std::atomic<Level> g_level{Level::error};
std::atomic<int> g_fd{2};
std::string g_path;  // of the file open_file() opened; empty for stderr

constexpr std::string_view kNames[] = {"debug", "info", "notice", "warn",
                                       "error", "crit", "alert",  "emerg"};

}  // namespace

std::string_view level_name(Level lvl) {
    return kNames[static_cast<int>(lvl)];
}
void set_level(Level lvl) {
    g_level = lvl;
}
Level level() {
    return g_level;
}
void set_fd(int fd) {
    g_fd = fd;
    g_path.clear();
}

int open_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return errno;
    // Lines go to the new file before the old one is closed; 0-2 are not ours to close.
    int old = g_fd.exchange(fd);
    g_path = path;
    if (old > 2) ::close(old);
    return 0;
}

void reopen() {
    if (g_path.empty()) return;
    std::string path = g_path;
    if (int error = open_file(path); error != 0)
        write(Level::alert, fmt::format("open() \"{}\" failed ({})", path, error));
}

std::optional<Level> parse_level(std::string_view name) {
    for (size_t i = 0; i < std::size(kNames); ++i)
        if (kNames[i] == name) return static_cast<Level>(i);
    return std::nullopt;
}

void write(Level lvl, std::string_view message) {
    time_t now = time(nullptr);
    struct tm tm;
    localtime_r(&now, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y/%m/%d %H:%M:%S", &tm);
    // One write() per line so concurrent workers do not interleave.
    std::string line = fmt::format("{} [{}] {}#0: {}\n", stamp, level_name(lvl), getpid(), message);
    [[maybe_unused]] ssize_t n = ::write(g_fd, line.data(), line.size());
}

}  // namespace strata::log
