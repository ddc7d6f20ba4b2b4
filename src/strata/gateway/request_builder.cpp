#include "strata/gateway/request_builder.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>

namespace strata::gateway {
namespace {

// The span of the connection's buffer every view of the head falls in. Each view counts
// at both ends: an HTTP/2 head's buffer holds the fields in the order they arrived, with
// the Host made from :authority (a name after its value) last.
std::string_view head_span(const http::RequestHead& head) {
    const char* lo = nullptr;
    const char* hi = nullptr;
    auto cover = [&lo, &hi](std::string_view view) {
        if (view.empty()) return;  // rebased as empty wherever it points
        if (lo == nullptr || view.data() < lo) lo = view.data();
        if (hi == nullptr || view.data() + view.size() > hi) hi = view.data() + view.size();
    };
    cover(head.method);
    cover(head.target);
    for (const http::Header& h : head.headers) {
        cover(h.name);
        cover(h.value);
    }
    if (lo == nullptr) return {};
    return {lo, static_cast<size_t>(hi - lo)};
}

std::string_view rebase(std::string_view view, const char* old_base, const std::string& copy) {
    if (view.empty()) return {};
    return {copy.data() + (view.data() - old_base), view.size()};
}

void copy_head(const http::RequestHead& head, Request& out) {
    std::string_view span = head_span(head);
    out.head_bytes.assign(span);
    const char* base = span.data();
    out.method = rebase(head.method, base, out.head_bytes);
    out.target = rebase(head.target, base, out.head_bytes);
    out.headers.reserve(head.headers.size());
    for (const http::Header& h : head.headers)
        out.headers.push_back(
            {rebase(h.name, base, out.head_bytes), rebase(h.value, base, out.head_bytes)});
    std::string_view version = http::to_string(head.version);
    out.protocol = version.empty() ? std::string_view("HTTP/0.9") : version;
    auto [path, query] = split_target(out.target);
    out.path = path;
    out.query = query;
}

// "host:port", "[v6]:port" or "host" → name and port (the scheme's default port).
void split_host(std::string_view host, const std::string& scheme, Request& out) {
    size_t colon = host.rfind(':');
    bool has_port =
        colon != std::string_view::npos && host.find(']', colon) == std::string_view::npos;
    out.server_name.assign(has_port ? host.substr(0, colon) : host);
    // "host:" has an empty port (RFC 3986 §3.2.3): the scheme's default, not "".
    if (has_port && colon + 1 < host.size())
        out.server_port.assign(host.substr(colon + 1));
    else
        out.server_port = scheme == "https" ? "443" : "80";
}

// A unix-socket peer is trusted whatever the list says, as gunicorn does
// (message.py: `not isinstance(self.peer_addr, tuple)`): only a local proxy can
// connect there, and it has no address to list.
bool trusted_for_scheme(const Request& request, const RequestSettings& settings) {
    if (request.unix_socket) return true;
    for (const std::string& ip : settings.forwarded_allow_ips)
        if (ip == "*" || ip == request.remote_addr) return true;
    return false;
}

std::string url_scheme(const Request& request, const RequestSettings& settings) {
    if (request.tls) return "https";
    if (settings.secure_scheme_headers.empty() || !trusted_for_scheme(request, settings))
        return "http";
    for (const auto& [name, value] : settings.secure_scheme_headers) {
        std::string_view sent = request.find(name);
        if (!sent.empty() && http::iequals(sent, value)) return "https";
    }
    return "http";
}

// gunicorn's SERVER_NAME and SERVER_PORT (see RequestSettings::listeners).
void set_server(net::Exchange& exchange, const RequestSettings& settings, Request& out) {
    auto tag = static_cast<size_t>(exchange.listener().tag);
    const ListenerName* listener =
        tag < settings.listeners.size() ? &settings.listeners[tag] : nullptr;
    if (listener && !listener->unix_socket) {
        out.server_name = listener->name;
        out.server_port = listener->port;
        return;
    }
    const http::RequestHead& head = exchange.request();
    if (head.has_host && !head.host.empty()) return split_host(head.host, out.url_scheme, out);
    if (listener) {  // a unix socket and no Host: its path, no port
        out.server_name = listener->name;
        out.server_port.clear();
        return;
    }
    out.server_name = out.unix_socket ? std::string() : exchange.local_address();
    out.server_port = std::to_string(exchange.listener().port);
}

}  // namespace

std::pair<std::string_view, std::string_view> split_target(std::string_view target) {
    if (!target.empty() && target.front() != '/') {
        size_t scheme_end = target.find("://");
        if (scheme_end != std::string_view::npos) {
            size_t path = target.find_first_of("/?", scheme_end + 3);
            target = path == std::string_view::npos ? std::string_view("/") : target.substr(path);
        }
    }
    size_t question = target.find('?');
    if (question == std::string_view::npos) return {target, {}};
    // "http://host?q" has an empty path, which is "/" (RFC 9112 §3.2.2), as "http://host" is.
    std::string_view path = question == 0 ? std::string_view("/") : target.substr(0, question);
    return {path, target.substr(question + 1)};
}

void build_request(net::Exchange& exchange, const RequestSettings& settings, Request& out) {
    const http::RequestHead& head = exchange.request();
    copy_head(head, out);
    out.body_chunked = head.body == http::BodyKind::chunked;
    int spool = exchange.take_body_file();
    if (spool >= 0)
        out.body = RequestBody::in_file(spool, exchange.body_size());
    else if (!exchange.body().empty())
        out.body = RequestBody::in_memory(std::string(exchange.body()));

    const net::PeerAddress& peer = exchange.peer();
    out.unix_socket = peer.storage.ss_family == AF_UNIX;
    if (!out.unix_socket) {
        out.remote_addr = peer.text();
        out.remote_port = peer.port();
    }
    out.tls = exchange.tls() != nullptr;
    out.https_on = out.tls && settings.https_variable;
    out.url_scheme = url_scheme(out, settings);
    out.script_name = settings.script_name;
    set_server(exchange, settings, out);
}

ListenerName listener_name(int listen_fd) {
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    ListenerName name;
    if (::getsockname(listen_fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return name;
    if (storage.ss_family == AF_UNIX) {
        const auto* un = reinterpret_cast<const sockaddr_un*>(&storage);
        name.unix_socket = true;
        name.name = un->sun_path;
        return name;
    }
    net::PeerAddress address;
    address.storage = storage;
    address.length = length;
    name.name = address.text();
    name.port = std::to_string(address.port());
    return name;
}

}  // namespace strata::gateway
