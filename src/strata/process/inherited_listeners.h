// The listening sockets a new binary was handed by the master it replaces, each with
// the address it is bound to, so the configuration's listens claim them instead of
// binding again (which would fail: the old master still holds the address).
#pragma once

#include <string>
#include <vector>

#include "strata/base/result.h"
#include "strata/net/listener.h"

namespace strata::process {

// How an address is compared: family, numeric host and port, or the socket path.
// "inet 127.0.0.1:80", "inet6 [::1]:80", "unix /run/x.sock"; empty when `address`
// names no bindable address (an fd:// listen).
std::string address_key(const net::ListenAddress& address);
// The same for the address a socket is bound to; empty on error.
std::string bound_address_key(int fd);

class InheritedListeners {
  public:
    InheritedListeners() = default;
    ~InheritedListeners();
    InheritedListeners(InheritedListeners&& other) noexcept;
    InheritedListeners& operator=(InheritedListeners&& other) noexcept;
    InheritedListeners(const InheritedListeners&) = delete;
    InheritedListeners& operator=(const InheritedListeners&) = delete;

    // Takes ownership of `fds`: each must be a listening socket; they become
    // close-on-exec and non-blocking, as sockets this process opens are. On error none
    // is kept open, and the text names the descriptor.
    static Result<InheritedListeners, std::string> adopt(const std::vector<int>& fds);

    // The inherited socket bound where `address` asks, or, for fd://N, socket N itself;
    // it leaves the pool. -1 when there is none.
    int take(const net::ListenAddress& address);
    // Closes the sockets no listen claimed (nginx closes them as well).
    void close_unclaimed();
    bool empty() const { return sockets_.empty(); }

  private:
    struct Socket {
        int fd = -1;
        std::string key;
    };
    std::vector<Socket> sockets_;
};

}  // namespace strata::process
