#include "strata/process/listener_set.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/core.h>

#include "strata/base/log.h"

namespace strata::process {
namespace {

std::string key_of(const net::ListenAddress& address) {
    if (address.inherited_fd >= 0) return fmt::format("fd://{}", address.inherited_fd);
    if (!address.unix_path.empty()) return "unix:" + address.unix_path;
    return fmt::format("{}|{}", address.host, address.port);
}

// A kept socket takes a changed backlog at once: listen() again is allowed on Linux.
// Other options are fixed at bind() time and need a new address to change.
void apply_backlog(int fd, const net::ListenOptions& old_options,
                   const net::ListenOptions& new_options) {
    if (old_options.backlog == new_options.backlog) return;
    if (::listen(fd, new_options.backlog) != 0) {
        log::warn("listen() with backlog {} failed ({}: {})", new_options.backlog, errno,
                  strerrordesc_np(errno));
    }
}

}  // namespace

ListenerSet::~ListenerSet() {
    close_all();
}

const ListenerSet::Entry* ListenerSet::find(const std::string& key) const {
    for (const Entry& entry : entries_) {
        if (entry.key == key) return &entry;
    }
    return nullptr;
}

void ListenerSet::close_entry(const Entry& entry, bool remove_socket_file) {
    ::close(entry.fd);
    // The socket file would outlive us and mislead the next bind's stale-socket check.
    if (remove_socket_file && !entry.listen.address.unix_path.empty())
        ::unlink(entry.listen.address.unix_path.c_str());
}

// An inherited socket is already bound and listening; only its backlog may differ.
Result<int, std::string> ListenerSet::open_or_inherit(const Listen& listen) {
    int fd = inherited_.take(listen.address);
    if (fd < 0) return net::open_listener(listen.address, listen.options);
    if (::listen(fd, listen.options.backlog) != 0) {
        log::warn("listen() with backlog {} failed ({}: {})", listen.options.backlog, errno,
                  strerrordesc_np(errno));
    }
    return fd;
}

// Builds the next entries in `next`; the error text is empty on success.
std::string ListenerSet::open_or_keep(const std::vector<Listen>& wanted, std::vector<Entry>& next) {
    for (const Listen& listen : wanted) {
        std::string key = key_of(listen.address);
        for (const Entry& entry : next) {
            if (entry.key == key) return fmt::format("duplicate listen address \"{}\"", key);
        }
        if (const Entry* kept = find(key)) {
            next.push_back({key, listen, kept->fd});
            continue;
        }
        auto fd = open_or_inherit(listen);
        if (!fd) return fd.error();
        next.push_back({key, listen, fd.value()});
    }
    return {};
}

// Closes the sockets of the current set that `next` does not keep.
void ListenerSet::retire_unwanted(const std::vector<Entry>& next) const {
    for (const Entry& entry : entries_) {
        bool kept = false;
        for (const Entry& wanted : next) {
            if (wanted.key != entry.key) continue;
            kept = true;
            apply_backlog(entry.fd, entry.listen.options, wanted.listen.options);
        }
        if (!kept) close_entry(entry);
    }
}

Result<std::vector<int>, std::string> ListenerSet::update(const std::vector<Listen>& wanted) {
    std::vector<Entry> next;
    std::string error = open_or_keep(wanted, next);
    if (!error.empty()) {
        for (const Entry& entry : next) {
            if (find(entry.key) == nullptr) close_entry(entry);
        }
        return Err(std::move(error));
    }
    retire_unwanted(next);
    inherited_.close_unclaimed();
    entries_ = std::move(next);
    std::vector<int> fds;
    for (const Entry& entry : entries_)
        fds.push_back(entry.fd);
    return fds;
}

void ListenerSet::close_all(bool remove_socket_files) {
    for (const Entry& entry : entries_)
        close_entry(entry, remove_socket_files);
    entries_.clear();
    inherited_.close_unclaimed();
}

}  // namespace strata::process
