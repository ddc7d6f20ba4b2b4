// The error logs of the http, server and location levels. nginx keeps every
// `error_log` of a level, each with its own lowest level, and a level without one
// inherits its parent's set whole; the http level's parent is the main error log.
// They are resolved to open files once, at load, so a request finds its logs through
// one pointer and writes nothing it would drop.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "strata/base/log.h"
#include "strata/base/log_file.h"

namespace strata::web {

// error_log FILE [LEVEL], as written (FILE relative to the prefix, or "stderr").
struct ErrorLogSpec {
    std::string path;
    log::Level level = log::Level::error;
    bool operator==(const ErrorLogSpec&) const = default;
};

// One level's logs, resolved.
class LevelErrorLogs {
  public:
    struct Target {
        log::LogFile* file;
        log::Level lowest;
    };
    explicit LevelErrorLogs(std::vector<Target> targets);

    // Whether any of the logs keeps a message of `level`: callers test before they
    // format, so a dropped message costs nothing.
    bool takes(log::Level level) const { return level >= lowest_; }
    void write(log::Level level, std::string_view message) const;
    const std::vector<Target>& targets() const { return targets_; }

  private:
    std::vector<Target> targets_;
    log::Level lowest_ = log::Level::emerg;
};

// Every file the levels name, one LogFile per distinct path, shared by the levels
// that name it. Opened in the worker, and again on USR1.
class ErrorLogFiles {
  public:
    explicit ErrorLogFiles(std::string prefix) : prefix_(std::move(prefix)) {}

    // The logs of a level written as `specs`.
    std::shared_ptr<const LevelErrorLogs> resolve(const std::vector<ErrorLogSpec>& specs);
    // Opens (or reopens) every file; a failure goes to the main error log and that file
    // keeps its old descriptor, if any.
    void open_all();
    // The absolute path a spec's file has (prefix-relative paths resolved).
    std::string full_path(const std::string& path) const;
    size_t size() const { return files_.size(); }

  private:
    std::string prefix_;
    std::map<std::string, std::unique_ptr<log::LogFile>> files_;  // by full path
};

}  // namespace strata::web
