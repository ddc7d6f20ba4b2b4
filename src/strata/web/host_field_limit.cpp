#include "strata/web/host_field_limit.h"

#include "strata/web/server_names.h"

namespace strata::web {

size_t ServerFieldLimit::field_line_after(std::string_view host) const {
    const ServerConfig* server = group_.default_server;
    if (auto name = normalize_host(host); name && !name->empty())
        server = select_server(group_.servers, *name, group_.default_server);
    return static_cast<size_t>(*server->settings.large_header_buffer_size);
}

std::shared_ptr<const http::HostFieldLimit> host_field_limit(const ListenGroup& group) {
    const auto& size = group.default_server->settings.large_header_buffer_size;
    for (const ServerConfig* server : group.servers)
        if (server->settings.large_header_buffer_size != size)
            return std::make_shared<ServerFieldLimit>(group);
    return nullptr;
}

}  // namespace strata::web
