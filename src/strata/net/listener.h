// Listening sockets and the acceptor that drains them on an event loop.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "strata/base/result.h"
#include "strata/net/event_loop.h"

namespace strata::net {

struct ListenAddress {
    std::string host;  // "127.0.0.1", "::", "" (= all IPv4, as nginx's `listen 80`)
    uint16_t port = 0;
    std::string unix_path;  // set for "unix:/path"; host/port unused then
    // gunicorn's fd://N: a listening socket the process was started with; the rest unused.
    int inherited_fd = -1;
};

// Parses nginx's listen forms: "8080", "127.0.0.1:8080", "[::]:8080", "*:80",
// "localhost:80", "unix:/run/x.sock". Error text says what is wrong.
Result<ListenAddress, std::string> parse_listen_address(std::string_view text);
// How logs and errors name an address: "127.0.0.1:8000", "0.0.0.0:80", "[::1]:80",
// "unix:/run/x.sock", "fd://3".
std::string describe(const ListenAddress& address);

struct ListenOptions {
    int backlog = 511;  // nginx's default on Linux
    bool reuseport = false;
    bool ipv6only = true;  // nginx's default for [::] listeners
};

// socket + bind + listen, non-blocking and close-on-exec. The error names the address.
Result<int, std::string> open_listener(const ListenAddress& address, const ListenOptions& options);
// The port a bound socket got (for port 0).
uint16_t bound_port(int fd);

struct PeerAddress {
    sockaddr_storage storage{};
    socklen_t length = 0;
    std::string text() const;  // "127.0.0.1", "::1", "unix:"
    uint16_t port() const;
};

// Accepts every pending connection when the listening socket is readable and hands each
// (non-blocking, close-on-exec) to `on_accept`. Stops accepting while `paused`.
class Acceptor final : public IoHandler {
  public:
    using Callback = std::function<void(int fd, const PeerAddress& peer)>;
    Acceptor(EventLoop& loop, int listen_fd, Callback on_accept);
    ~Acceptor();

    void pause();
    void resume();
    void on_io(uint32_t events) override;

  private:
    // Registered exactly while neither paused by the owner nor backing off.
    void update_registration();
    bool accept_one();
    void back_off(int error);

    EventLoop& loop_;
    int fd_;
    Callback on_accept_;
    bool paused_ = false;
    bool backing_off_ = false;  // out of descriptors: retry after a short delay
    bool registered_ = false;
    Timer resume_timer_;
};

}  // namespace strata::net
