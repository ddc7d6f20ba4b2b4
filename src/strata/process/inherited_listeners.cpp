#include "strata/process/inherited_listeners.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/core.h>

namespace strata::process {
namespace {

std::string inet_key(int family, const void* address, uint16_t port) {
    char text[INET6_ADDRSTRLEN] = {};
    if (inet_ntop(family, address, text, sizeof text) == nullptr) return {};
    if (family == AF_INET6) return fmt::format("inet6 [{}]:{}", text, port);
    return fmt::format("inet {}:{}", text, port);
}

std::string check_listening(int fd) {
    int listening = 0;
    socklen_t length = sizeof listening;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) != 0) {
        return fmt::format("inherited socket {} is unusable ({}: {})", fd, errno,
                           strerrordesc_np(errno));
    }
    if (!listening) return fmt::format("inherited socket {} is not a listening socket", fd);
    return {};
}

std::string make_private(int fd) {
    int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0 ||
        ::fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
        return fmt::format("fcntl() on inherited socket {} failed ({}: {})", fd, errno,
                           strerrordesc_np(errno));
    }
    return {};
}

}  // namespace

std::string address_key(const net::ListenAddress& address) {
    if (address.inherited_fd >= 0) return {};
    if (!address.unix_path.empty()) return "unix " + address.unix_path;
    // The parser leaves hosts numeric; "" is nginx's `listen 80`: every IPv4 address.
    std::string host = address.host.empty() ? "0.0.0.0" : address.host;
    in_addr v4{};
    if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return inet_key(AF_INET, &v4, address.port);
    in6_addr v6{};
    if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) return inet_key(AF_INET6, &v6, address.port);
    return {};
}

std::string bound_address_key(int fd) {
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return {};
    switch (storage.ss_family) {
        case AF_INET: {
            const auto* v4 = reinterpret_cast<const sockaddr_in*>(&storage);
            return inet_key(AF_INET, &v4->sin_addr, ntohs(v4->sin_port));
        }
        case AF_INET6: {
            const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&storage);
            return inet_key(AF_INET6, &v6->sin6_addr, ntohs(v6->sin6_port));
        }
        case AF_UNIX: {
            const auto* un = reinterpret_cast<const sockaddr_un*>(&storage);
            size_t max = length - offsetof(sockaddr_un, sun_path);
            return "unix " + std::string(un->sun_path, strnlen(un->sun_path, max));
        }
        default:
            return {};
    }
}

InheritedListeners::~InheritedListeners() {
    close_unclaimed();
}

InheritedListeners::InheritedListeners(InheritedListeners&& other) noexcept
    : sockets_(std::move(other.sockets_)) {
    other.sockets_.clear();
}

InheritedListeners& InheritedListeners::operator=(InheritedListeners&& other) noexcept {
    if (this != &other) {
        close_unclaimed();
        sockets_ = std::move(other.sockets_);
        other.sockets_.clear();
    }
    return *this;
}

Result<InheritedListeners, std::string> InheritedListeners::adopt(const std::vector<int>& fds) {
    InheritedListeners pool;  // on error, closes what it adopted so far
    for (int fd : fds) {
        // A descriptor that is no listening socket is not ours to close: it may be a
        // log file or stderr named by a wrong value.
        std::string error = check_listening(fd);
        if (!error.empty()) return Err(std::move(error));
        pool.sockets_.push_back({fd, {}});
        error = make_private(fd);
        if (!error.empty()) return Err(std::move(error));
        pool.sockets_.back().key = bound_address_key(fd);
    }
    return pool;
}

int InheritedListeners::take(const net::ListenAddress& address) {
    std::string key = address_key(address);
    for (auto it = sockets_.begin(); it != sockets_.end(); ++it) {
        bool same_fd = address.inherited_fd >= 0 && it->fd == address.inherited_fd;
        bool same_address = !key.empty() && it->key == key;
        if (!same_fd && !same_address) continue;
        int fd = it->fd;
        sockets_.erase(it);
        return fd;
    }
    return -1;
}

void InheritedListeners::close_unclaimed() {
    for (const Socket& socket : sockets_)
        ::close(socket.fd);
    sockets_.clear();
}

}  // namespace strata::process
