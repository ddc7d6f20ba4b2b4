#include "strata/base/log.h"

#include <time.h>
#include <unistd.h>

#include <atomic>
#include <string>

namespace strata::log {
namespace {

std::atomic<Level> g_level{Level::error};
std::atomic<int> g_fd{2};

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
