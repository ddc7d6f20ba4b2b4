// What the file system said about a path, shared by the requests a worker handles in
// the same tick of a coarse clock (a few milliseconds): under load the same stat() and
// small-file reads then serve many requests, while a changed file is seen as quickly as
// without a cache, for all a client can tell.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

namespace strata::web {

struct FileInfo {
    int error = 0;  // errno of stat(), 0 when the path exists
    struct stat st {};
    // The whole file, for regular files up to kCachedFileMax; null otherwise.
    std::shared_ptr<const std::string> content;

    bool is_file() const { return error == 0 && S_ISREG(st.st_mode); }
    bool is_directory() const { return error == 0 && S_ISDIR(st.st_mode); }
};

inline constexpr uint64_t kCachedFileMax = 16 * 1024;

class FileCache {
  public:
    const FileInfo& lookup(const std::string& path);

  private:
    FileInfo load(const std::string& path) const;

    int64_t tick_ = -1;
    std::unordered_map<std::string, FileInfo> entries_;
};

}  // namespace strata::web
