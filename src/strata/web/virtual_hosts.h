// The servers reachable through each listening address: requests on a socket choose
// among its servers by Host, falling back to its default server.
#pragma once

#include <string>
#include <vector>

#include "strata/web/http_config.h"

namespace strata::web {

struct ListenGroup {
    ListenConfig listen;  // the first `listen` naming this address (its options apply)
    std::vector<const ServerConfig*> servers;
    const ServerConfig* default_server = nullptr;  // default_server, else the first
    bool ssl = false;  // any `listen … ssl` of the address makes all of it TLS, as in nginx
    // HTTP/2 there: `listen … http2`, or `http2 on` in one of its servers.
    bool http2 = false;
};

// One group per distinct address, in the order addresses first appear. The index of a
// group is the tag of its listening socket.
std::vector<ListenGroup> group_by_listen_address(const HttpConfig& http);

// "127.0.0.1:8080", "[::]:8080", "*:8080", "unix:/path": the address a group binds.
std::string address_key(const net::ListenAddress& address);

}  // namespace strata::web
