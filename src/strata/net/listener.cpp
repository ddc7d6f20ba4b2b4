#include "strata/net/listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>

#include <fmt/core.h>

#include "strata/base/log.h"

namespace strata::net {
namespace {

constexpr uint16_t kDefaultPort = 80;  // nginx's port for `listen 127.0.0.1`
constexpr uint64_t kAcceptBackoffMs = 100;
constexpr std::string_view kUnixPrefix = "unix:";

using AddressResult = Result<ListenAddress, std::string>;

std::string quoted_error(std::string_view what, std::string_view text) {
    return fmt::format("{} in \"{}\"", what, text);
}

bool all_digits(std::string_view text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// 0 is accepted (the OS picks a port), unlike nginx: tests and tools rely on it.
bool parse_port(std::string_view digits, uint16_t& port) {
    if (!all_digits(digits) || digits.size() > 5) return false;
    unsigned value = 0;
    for (char c : digits)
        value = value * 10 + static_cast<unsigned>(c - '0');
    if (value > 65535) return false;
    port = static_cast<uint16_t>(value);
    return true;
}

bool is_ipv4_literal(const std::string& host) {
    in_addr address{};
    return inet_pton(AF_INET, host.c_str(), &address) == 1;
}

bool is_ipv6_literal(const std::string& host) {
    in6_addr address{};
    return inet_pton(AF_INET6, host.c_str(), &address) == 1;
}

// Names are resolved here, at parse time, as nginx does when it reads its config: a bad
// name fails `-t`, and open_listener() only ever sees numeric hosts. IPv4 is preferred
// (nginx's `listen localhost:80` binds 127.0.0.1).
bool resolve_host(const std::string& name, std::string& numeric) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (getaddrinfo(name.c_str(), nullptr, &hints, &found) != 0) return false;
    const addrinfo* chosen = nullptr;
    for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET) {
            chosen = ai;
            break;
        }
        if (ai->ai_family == AF_INET6 && chosen == nullptr) chosen = ai;
    }
    bool ok = false;
    if (chosen != nullptr) {
        PeerAddress address;
        std::memcpy(&address.storage, chosen->ai_addr, chosen->ai_addrlen);
        address.length = chosen->ai_addrlen;
        numeric = address.text();
        ok = true;
    }
    freeaddrinfo(found);
    return ok;
}

AddressResult parse_unix_address(std::string_view text) {
    std::string_view path = text.substr(kUnixPrefix.size());
    if (path.empty()) return Err{quoted_error("no path in the unix domain socket", text)};
    if (path.size() >= sizeof(sockaddr_un::sun_path)) {
        return Err{quoted_error("too long path in the unix domain socket", text)};
    }
    ListenAddress address;
    address.unix_path = std::string(path);
    return address;
}

AddressResult parse_bracketed_address(std::string_view text) {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return Err{quoted_error("invalid host", text)};
    ListenAddress address;
    address.host = std::string(text.substr(1, close - 1));
    if (!is_ipv6_literal(address.host)) return Err{quoted_error("invalid IPv6 address", text)};
    std::string_view rest = text.substr(close + 1);
    address.port = kDefaultPort;
    if (rest.empty()) return address;
    if (rest[0] != ':' || !parse_port(rest.substr(1), address.port)) {
        return Err{quoted_error("invalid port", text)};
    }
    return address;
}

AddressResult parse_host_and_port(std::string_view text) {
    ListenAddress address;
    address.port = kDefaultPort;
    std::string_view host = text;
    size_t colon = text.rfind(':');
    if (colon != std::string_view::npos) {
        host = text.substr(0, colon);
        if (!parse_port(text.substr(colon + 1), address.port)) {
            return Err{quoted_error("invalid port", text)};
        }
    }
    // IPv6 needs brackets; an empty host (":80") means nothing.
    if (host.empty() || host.find(':') != std::string_view::npos) {
        return Err{quoted_error("invalid host", text)};
    }
    if (host == "*") return address;  // every IPv4 address, as an empty host
    address.host = std::string(host);
    if (is_ipv4_literal(address.host)) return address;
    if (!resolve_host(std::string(host), address.host)) {
        return Err{quoted_error("host not found", text)};
    }
    return address;
}

// A sockaddr built from a parsed (numeric) ListenAddress.
struct SocketAddress {
    sockaddr_storage storage{};
    socklen_t length = 0;
    int family() const { return storage.ss_family; }
    const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

bool to_socket_address(const ListenAddress& address, SocketAddress& out) {
    if (!address.unix_path.empty()) {
        auto* un = reinterpret_cast<sockaddr_un*>(&out.storage);
        if (address.unix_path.size() >= sizeof un->sun_path) return false;
        un->sun_family = AF_UNIX;
        std::memcpy(un->sun_path, address.unix_path.data(), address.unix_path.size());
        out.length =
            static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.unix_path.size() + 1);
        return true;
    }
    auto* v4 = reinterpret_cast<sockaddr_in*>(&out.storage);
    const char* host = address.host.empty() ? "0.0.0.0" : address.host.c_str();
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(address.port);
        out.length = sizeof(sockaddr_in);
        return true;
    }
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(address.port);
        out.length = sizeof(sockaddr_in6);
        return true;
    }
    return false;
}

// As nginx prints listen addresses: "0.0.0.0:80", "[::1]:80", "unix:/run/x.sock".

std::string system_error(std::string_view call, int error) {
    return fmt::format("{} failed ({}: {})", call, error, strerrordesc_np(error));
}

bool set_socket_option(int fd, int level, int option, int value) {
    return setsockopt(fd, level, option, &value, sizeof value) == 0;
}

// Options set before bind(); an empty string means success.
std::string prepare_socket(int fd, int family, const std::string& name,
                           const ListenOptions& options) {
    if (family == AF_UNIX) return {};
    if (!set_socket_option(fd, SOL_SOCKET, SO_REUSEADDR, 1)) {
        return system_error(fmt::format("setsockopt(SO_REUSEADDR) {}", name), errno);
    }
    if (options.reuseport && !set_socket_option(fd, SOL_SOCKET, SO_REUSEPORT, 1)) {
        return system_error(fmt::format("setsockopt(SO_REUSEPORT) {}", name), errno);
    }
    if (family == AF_INET6 &&
        !set_socket_option(fd, IPPROTO_IPV6, IPV6_V6ONLY, options.ipv6only ? 1 : 0)) {
        return system_error(fmt::format("setsockopt(IPV6_V6ONLY) {}", name), errno);
    }
    return {};
}

// A socket file left by a previous run would make bind() fail; other files are kept.
std::string remove_stale_socket(const std::string& path) {
    struct stat status {};
    if (lstat(path.c_str(), &status) != 0 || !S_ISSOCK(status.st_mode)) return {};
    if (unlink(path.c_str()) != 0 && errno != ENOENT) {
        return system_error(fmt::format("unlink() \"{}\"", path), errno);
    }
    return {};
}

std::string bind_and_listen(int fd, const SocketAddress& socket_address, const std::string& name,
                            int backlog) {
    if (bind(fd, socket_address.get(), socket_address.length) != 0) {
        return system_error(fmt::format("bind() to {}", name), errno);
    }
    if (listen(fd, backlog) != 0) {
        return system_error(fmt::format("listen() to {}, backlog {}", name, backlog), errno);
    }
    return {};
}

bool is_transient_accept_error(int error) {
    // accept(2): errors of the new connection, to be retried like EAGAIN.
    switch (error) {
        case EINTR:
        case ECONNABORTED:
        case EPROTO:
        case ENETDOWN:
        case ENOPROTOOPT:
        case EHOSTDOWN:
        case ENONET:
        case EHOSTUNREACH:
        case ENETUNREACH:
        case EPERM:  // refused by a firewall rule
            return true;
        default:
            return false;
    }
}

bool is_resource_error(int error) {
    return error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM;
}

}  // namespace

std::string describe(const ListenAddress& address) {
    if (address.inherited_fd >= 0) return fmt::format("fd://{}", address.inherited_fd);
    if (!address.unix_path.empty()) return fmt::format("unix:{}", address.unix_path);
    if (address.host.empty()) return fmt::format("0.0.0.0:{}", address.port);
    if (address.host.find(':') != std::string::npos) {
        return fmt::format("[{}]:{}", address.host, address.port);
    }
    return fmt::format("{}:{}", address.host, address.port);
}

Result<ListenAddress, std::string> parse_listen_address(std::string_view text) {
    if (text.starts_with(kUnixPrefix)) return parse_unix_address(text);
    if (text.empty()) return Err{quoted_error("invalid port", text)};
    if (all_digits(text)) {
        ListenAddress address;
        if (!parse_port(text, address.port)) return Err{quoted_error("invalid port", text)};
        return address;
    }
    if (text.front() == '[') return parse_bracketed_address(text);
    return parse_host_and_port(text);
}

// fd://N: the socket must already listen; it joins the loop non-blocking.
static Result<int, std::string> adopt_listener(const ListenAddress& address) {
    int fd = address.inherited_fd;
    int listening = 0;
    socklen_t length = sizeof listening;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) != 0 || !listening)
        return Err{fmt::format("{} is not a listening socket", describe(address))};
    int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0 ||
        ::fcntl(fd, F_SETFD, FD_CLOEXEC) != 0)
        return Err{system_error(fmt::format("fcntl() {}", describe(address)), errno)};
    return fd;
}

Result<int, std::string> open_listener(const ListenAddress& address, const ListenOptions& options) {
    if (address.inherited_fd >= 0) return adopt_listener(address);
    std::string name = describe(address);
    SocketAddress socket_address;
    if (!to_socket_address(address, socket_address)) {
        return Err{fmt::format("invalid listen address {}", name)};
    }
    int fd = socket(socket_address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return Err{system_error(fmt::format("socket() {}", name), errno)};
    std::string error = prepare_socket(fd, socket_address.family(), name, options);
    if (error.empty() && socket_address.family() == AF_UNIX) {
        error = remove_stale_socket(address.unix_path);
    }
    if (error.empty()) error = bind_and_listen(fd, socket_address, name, options.backlog);
    if (!error.empty()) {
        ::close(fd);
        return Err{std::move(error)};
    }
    return fd;
}

uint16_t bound_port(int fd) {
    PeerAddress address;
    address.length = sizeof address.storage;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&address.storage), &address.length) != 0) {
        return 0;
    }
    return address.port();
}

// Dotted quad by hand: inet_ntop goes through sprintf, and this runs per request.
static std::string ipv4_text(const in_addr& address) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(&address.s_addr);
    char out[16];
    char* p = out;
    for (int i = 0; i < 4; ++i) {
        unsigned b = bytes[i];
        if (b >= 100) *p++ = static_cast<char>('0' + b / 100);
        if (b >= 10) *p++ = static_cast<char>('0' + b / 10 % 10);
        *p++ = static_cast<char>('0' + b % 10);
        if (i < 3) *p++ = '.';
    }
    return {out, static_cast<size_t>(p - out)};
}

std::string PeerAddress::text() const {
    char buffer[INET6_ADDRSTRLEN] = {};
    switch (storage.ss_family) {
        case AF_INET:
            return ipv4_text(reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr);
        case AF_INET6: {
            const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&storage);
            inet_ntop(AF_INET6, &v6->sin6_addr, buffer, sizeof buffer);
            return buffer;
        }
        case AF_UNIX:
            return "unix:";
        default:
            return {};
    }
}

uint16_t PeerAddress::port() const {
    switch (storage.ss_family) {
        case AF_INET:
            return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
        case AF_INET6:
            return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
        default:
            return 0;
    }
}

// The listening fd stays owned by the caller (the master opens it, workers share it).
Acceptor::Acceptor(EventLoop& loop, int listen_fd, Callback on_accept)
    : loop_(loop), fd_(listen_fd), on_accept_(std::move(on_accept)) {
    resume_timer_.set_callback([this] {
        backing_off_ = false;
        update_registration();
    });
    update_registration();
}

Acceptor::~Acceptor() {
    paused_ = true;
    update_registration();
}

void Acceptor::pause() {
    paused_ = true;
    update_registration();
}

void Acceptor::resume() {
    paused_ = false;
    update_registration();
}

void Acceptor::update_registration() {
    bool wanted = !paused_ && !backing_off_;
    if (wanted == registered_) return;
    if (wanted) {
        loop_.add(fd_, EPOLLIN, this);
    } else {
        loop_.remove(fd_);
    }
    registered_ = wanted;
}

void Acceptor::on_io(uint32_t /*events*/) {
    // The callback may pause us (a connection limit), which ends the loop.
    while (registered_ && accept_one()) {
    }
}

bool Acceptor::accept_one() {
    PeerAddress peer;
    peer.length = sizeof peer.storage;
    int fd = accept4(fd_, reinterpret_cast<sockaddr*>(&peer.storage), &peer.length,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
        on_accept_(fd, peer);
        return true;
    }
    int error = errno;
    if (error == EAGAIN || error == EWOULDBLOCK) return false;
    if (is_transient_accept_error(error)) return true;
    if (is_resource_error(error)) {
        back_off(error);
        return false;
    }
    log::error("{}", system_error("accept4()", error));
    return false;
}

// Out of descriptors or memory: the socket stays readable, so keep it out of the loop
// for a moment instead of spinning on it.
void Acceptor::back_off(int error) {
    log::error("{}, not accepting for {} ms", system_error("accept4()", error), kAcceptBackoffMs);
    backing_off_ = true;
    update_registration();
    loop_.arm(resume_timer_, kAcceptBackoffMs);
}

}  // namespace strata::net
