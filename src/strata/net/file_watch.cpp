#include "strata/net/file_watch.h"

#include <sys/epoll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "strata/base/log.h"

namespace strata::net {
namespace {

// Editors either write in place or write a new file and rename it over the old one.
constexpr uint32_t kChanges =
    IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB | IN_MOVE_SELF | IN_DELETE_SELF;

}  // namespace

FileWatch::FileWatch(EventLoop& loop, std::function<void(const std::string&)> on_change)
    : loop_(loop), on_change_(std::move(on_change)) {
    fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd_ < 0) {
        log::error("inotify_init1() failed ({}: {}): files will not be watched", errno,
                   std::strerror(errno));
        return;
    }
    loop_.add(fd_, EPOLLIN, this);
}

FileWatch::~FileWatch() {
    if (fd_ < 0) return;
    loop_.remove(fd_);
    ::close(fd_);
}

bool FileWatch::add(const std::string& path) {
    if (fd_ < 0) return false;
    int wd = ::inotify_add_watch(fd_, path.c_str(), kChanges);
    if (wd < 0) return false;
    paths_[wd] = path;
    return true;
}

void FileWatch::on_io(uint32_t /*events*/) {
    alignas(inotify_event) char buffer[4096];
    for (;;) {
        ssize_t n = ::read(fd_, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        for (ssize_t at = 0; at < n;) {
            const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
            at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
            auto it = paths_.find(event->wd);
            if (it != paths_.end() && (event->mask & kChanges)) on_change_(it->second);
        }
    }
}

}  // namespace strata::net
