#include "strata/base/log_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

namespace strata::log {

LogFile::LogFile(std::string path) : path_(std::move(path)) {}

LogFile::~LogFile() {
    if (fd_ > 2) ::close(fd_);
}

int LogFile::open() {
    if (path_ == "stderr") {
        std::lock_guard lock(mutex_);
        fd_ = 2;
        return 0;
    }
    int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return errno;
    std::lock_guard lock(mutex_);
    if (fd_ > 2) ::close(fd_);
    fd_ = fd;
    return 0;
}

void LogFile::write(Level level, std::string_view message) {
    std::string line = format_line(style(), level, message, std::time(nullptr), ::getpid());
    std::lock_guard lock(mutex_);
    if (fd_ < 0) return;
    const char* data = line.data();
    size_t size = line.size();
    while (size > 0) {  // finishes a line the kernel took in part, still under the lock
        ssize_t n = ::write(fd_, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // nowhere to report a failing error log
        data += n;
        size -= static_cast<size_t>(n);
    }
}

}  // namespace strata::log
