// Watches files for changes on an event loop (inotify): gunicorn's --reload.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "strata/net/event_loop.h"

namespace strata::net {

class FileWatch final : public IoHandler {
  public:
    // `on_change` runs on the loop with the path of a file that was written, replaced,
    // moved or deleted.
    FileWatch(EventLoop& loop, std::function<void(const std::string& path)> on_change);
    ~FileWatch();
    FileWatch(const FileWatch&) = delete;
    FileWatch& operator=(const FileWatch&) = delete;

    // Starts watching `path`; false when it cannot be watched (missing file, no inotify).
    bool add(const std::string& path);
    size_t size() const { return paths_.size(); }
    void on_io(uint32_t events) override;

  private:
    EventLoop& loop_;
    std::function<void(const std::string&)> on_change_;
    int fd_ = -1;
    std::map<int, std::string> paths_;  // watch descriptor → path
};

}  // namespace strata::net
