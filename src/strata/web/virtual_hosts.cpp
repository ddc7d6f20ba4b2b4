#include "strata/web/virtual_hosts.h"

namespace strata::web {

std::string address_key(const net::ListenAddress& a) {
    if (!a.unix_path.empty()) return "unix:" + a.unix_path;
    std::string host = a.host.empty() ? "*" : a.host;
    if (host.find(':') != std::string::npos) host = "[" + host + "]";
    return host + ":" + std::to_string(a.port);
}

std::vector<ListenGroup> group_by_listen_address(const HttpConfig& http) {
    std::vector<ListenGroup> groups;
    std::vector<std::string> keys;
    for (const ServerConfig& server : http.servers) {
        for (const ListenConfig& listen : server.listens) {
            std::string key = address_key(listen.address);
            size_t i = 0;
            while (i < keys.size() && keys[i] != key)
                ++i;
            if (i == keys.size()) {
                keys.push_back(key);
                groups.push_back({listen, {}, nullptr, false, false});
            }
            ListenGroup& group = groups[i];
            if (group.servers.empty() || group.servers.back() != &server)
                group.servers.push_back(&server);
            if (listen.default_server) group.default_server = &server;
            if (listen.ssl) group.ssl = true;
            if (listen.http2 || server.settings.http2.value_or(false)) group.http2 = true;
        }
    }
    for (ListenGroup& g : groups)
        if (!g.default_server) g.default_server = g.servers.front();
    return groups;
}

}  // namespace strata::web
