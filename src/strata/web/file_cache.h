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

#include "strata/web/symlink_policy.h"

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
    // stat() of `path`, symlinks followed.
    const FileInfo& lookup(const std::string& path);
    // The same under disable_symlinks: found by opening the path as `check` says (the
    // error is then what that open failed with), and cached apart from plain lookups.
    const FileInfo& lookup(const std::string& path, const SymlinkCheck& check);

  private:
    FileInfo load(const std::string& path) const;
    FileInfo load_checked(const std::string& path, const SymlinkCheck& check) const;
    void expire_if_stale();

    int64_t tick_ = -1;
    std::unordered_map<std::string, FileInfo> entries_;
};

}  // namespace strata::web
