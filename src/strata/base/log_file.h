// One error_log destination below the main one (an `error_log` in http, server or
// location): a file, or stderr, with the lowest level it takes. Lines keep the main
// log's shape and leave in one write() under the file's own lock, as the main log's do.
#pragma once

#include <mutex>
#include <string>
#include <string_view>

#include "strata/base/log.h"

namespace strata::log {

class LogFile {
  public:
    // `path` is absolute, or "stderr"; nothing is opened until open().
    explicit LogFile(std::string path);
    ~LogFile();
    LogFile(const LogFile&) = delete;
    LogFile& operator=(const LogFile&) = delete;

    const std::string& path() const { return path_; }
    // Opens (again, after the file was moved away: USR1) the file; the old descriptor
    // stays in use when the open fails. Returns 0 or the errno of the failed open().
    int open();
    // Writes `message` as one line of the current style. Dropped while not open.
    void write(Level level, std::string_view message);

  private:
    std::string path_;
    std::mutex mutex_;
    int fd_ = -1;
};

}  // namespace strata::log
