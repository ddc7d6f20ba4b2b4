#include "strata/web/file_cache.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

namespace strata::web {
namespace {

constexpr size_t kMaxEntries = 4096;

int64_t coarse_tick() {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

std::shared_ptr<const std::string> read_whole(const std::string& path, const struct stat& st) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return nullptr;
    auto content = std::make_shared<std::string>(static_cast<size_t>(st.st_size), '\0');
    ssize_t n = ::pread(fd, content->data(), content->size(), 0);
    ::close(fd);
    if (n != st.st_size) return nullptr;  // changed under us: the caller opens it itself
    return content;
}

}  // namespace

const FileInfo& FileCache::lookup(const std::string& path) {
    int64_t now = coarse_tick();
    if (now != tick_ || entries_.size() >= kMaxEntries) {
        entries_.clear();
        tick_ = now;
    }
    auto it = entries_.find(path);
    if (it != entries_.end()) return it->second;
    return entries_.emplace(path, load(path)).first->second;
}

FileInfo FileCache::load(const std::string& path) const {
    FileInfo info;
    if (::stat(path.c_str(), &info.st) != 0) {
        info.error = errno;
        return info;
    }
    if (S_ISREG(info.st.st_mode) && static_cast<uint64_t>(info.st.st_size) <= kCachedFileMax)
        info.content = read_whole(path, info.st);
    return info;
}

}  // namespace strata::web
