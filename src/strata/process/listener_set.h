// The master's listening sockets, kept across reloads.
#pragma once

#include <string>
#include <vector>

#include "strata/base/result.h"
#include "strata/net/listener.h"
#include "strata/process/inherited_listeners.h"

namespace strata::process {

struct Listen {
    net::ListenAddress address;
    net::ListenOptions options;
};

// An address that stays in the configuration keeps its socket, and with it the queue of
// connections not yet accepted: that is what lets a reload go by without refusing anyone.
class ListenerSet {
  public:
    ListenerSet() = default;
    ~ListenerSet();
    ListenerSet(const ListenerSet&) = delete;
    ListenerSet& operator=(const ListenerSet&) = delete;

    // Makes the set exactly `wanted`: unchanged addresses keep their socket, new ones are
    // opened, the rest are closed. All or nothing: on error the set is as it was. Returns
    // the descriptors in the order of `wanted`.
    Result<std::vector<int>, std::string> update(const std::vector<Listen>& wanted);
    // Sockets handed over by the master this one replaces: the next update() takes the
    // ones whose address it wants instead of binding, and closes the others.
    void offer_inherited(InheritedListeners inherited) { inherited_ = std::move(inherited); }
    // `remove_socket_files` false leaves unix socket files in place: a new binary
    // serving on the same sockets still needs them.
    void close_all(bool remove_socket_files = true);
    size_t size() const { return entries_.size(); }

  private:
    struct Entry {
        std::string key;
        Listen listen;
        int fd = -1;
    };

    const Entry* find(const std::string& key) const;
    std::string open_or_keep(const std::vector<Listen>& wanted, std::vector<Entry>& next);
    Result<int, std::string> open_or_inherit(const Listen& listen);
    void retire_unwanted(const std::vector<Entry>& next) const;
    static void close_entry(const Entry& entry, bool remove_socket_file = true);

    std::vector<Entry> entries_;
    InheritedListeners inherited_;
};

}  // namespace strata::process
