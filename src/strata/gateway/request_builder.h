// Copies a request out of the connection into a gateway::Request, so an app thread can
// read it while the connection's thread goes on.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "strata/gateway/request.h"
#include "strata/net/http_exchange.h"

namespace strata::gateway {

// What a listening socket is bound to, as getsockname() tells it: "127.0.0.1" and
// "8000", or a unix socket's path and "".
struct ListenerName {
    std::string name;
    std::string port;
    bool unix_socket = false;
};

struct RequestSettings {
    std::string script_name;  // the app's mount point ("" or "/app")
    // By listener tag: gunicorn's SERVER_NAME/SERVER_PORT are the listener's own address
    // on TCP, and come from Host only on unix sockets. Empty: from Host everywhere.
    std::vector<ListenerName> listeners;
    // Peers trusted to say the original scheme (gunicorn's forwarded_allow_ips); "*" is
    // everyone.
    std::vector<std::string> forwarded_allow_ips = {"127.0.0.1"};
    // Header and value meaning "the client used https" (gunicorn's secure_scheme_headers).
    std::vector<std::pair<std::string, std::string>> secure_scheme_headers = {
        {"X-FORWARDED-PROTOCOL", "ssl"}, {"X-FORWARDED-PROTO", "https"}, {"X-FORWARDED-SSL", "on"}};
    // A request that came over TLS gets HTTPS=on, as nginx's uwsgi/fastcgi params give
    // apps behind the front server; gunicorn's own TLS sets no such variable.
    bool https_variable = true;
};

// Fills `out` (fresh) from the exchange's request; a spooled body's file passes to it.
void build_request(net::Exchange& exchange, const RequestSettings& settings, Request& out);

// The name of the socket `listen_fd` is bound to.
ListenerName listener_name(int listen_fd);

// Splits a request-target into its path (percent-encoded) and query. Absolute-form
// targets ("http://host/p?q") lose their scheme and authority.
std::pair<std::string_view, std::string_view> split_target(std::string_view target);

}  // namespace strata::gateway
