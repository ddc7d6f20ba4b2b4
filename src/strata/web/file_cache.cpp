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

constexpr int kOpenFlags = O_RDONLY | O_CLOEXEC | O_NONBLOCK;

std::shared_ptr<const std::string> read_from(int fd, const struct stat& st) {
    auto content = std::make_shared<std::string>(static_cast<size_t>(st.st_size), '\0');
    ssize_t n = ::pread(fd, content->data(), content->size(), 0);
    if (n != st.st_size) return nullptr;  // changed under us: the caller opens it itself
    return content;
}

std::shared_ptr<const std::string> read_whole(const std::string& path, const struct stat& st) {
    int fd = ::open(path.c_str(), kOpenFlags);
    if (fd < 0) return nullptr;
    auto content = read_from(fd, st);
    ::close(fd);
    return content;
}

bool is_small_file(const struct stat& st) {
    return S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) <= kCachedFileMax;
}

// Checked entries share the map under keys no real path has: a leading NUL, the rule
// and the unchecked prefix's length.
std::string checked_key(const std::string& path, const SymlinkCheck& check) {
    std::string key(1, '\0');
    key += static_cast<char>('0' + static_cast<int>(check.rule));
    key += std::to_string(check.unchecked_prefix);
    key += ':';
    key += path;
    return key;
}

}  // namespace

void FileCache::expire_if_stale() {
    int64_t now = coarse_tick();
    if (now != tick_ || entries_.size() >= kMaxEntries) {
        entries_.clear();
        tick_ = now;
    }
}

const FileInfo& FileCache::lookup(const std::string& path, const SymlinkCheck& check) {
    if (check.rule == SymlinkRule::follow) return lookup(path);
    expire_if_stale();
    std::string key = checked_key(path, check);
    auto it = entries_.find(key);
    if (it != entries_.end()) return it->second;
    return entries_.emplace(std::move(key), load_checked(path, check)).first->second;
}

FileInfo FileCache::load_checked(const std::string& path, const SymlinkCheck& check) const {
    FileInfo info;
    int fd = open_checking_symlinks(path, check, kOpenFlags);
    if (fd < 0 || ::fstat(fd, &info.st) != 0) {
        info.error = errno;
    } else if (is_small_file(info.st)) {
        info.content = read_from(fd, info.st);
    }
    if (fd >= 0) ::close(fd);
    return info;
}

const FileInfo& FileCache::lookup(const std::string& path) {
    expire_if_stale();
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
    if (is_small_file(info.st)) info.content = read_whole(path, info.st);
    return info;
}

}  // namespace strata::web
