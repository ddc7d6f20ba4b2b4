// large_client_header_buffers of the server a request's Host names: nginx reads the
// fields after Host with that server's buffers, the address's default server's before.
#pragma once

#include <memory>

#include "strata/http/request_parser.h"
#include "strata/web/virtual_hosts.h"

namespace strata::web {

class ServerFieldLimit final : public http::HostFieldLimit {
  public:
    explicit ServerFieldLimit(const ListenGroup& group) : group_(group) {}
    size_t field_line_after(std::string_view host) const override;

  private:
    const ListenGroup& group_;  // outlives the listener's connections
};

// The limit for the address's connections; null when all its servers share one size
// (then the parser need not look at Host at all).
std::shared_ptr<const http::HostFieldLimit> host_field_limit(const ListenGroup& group);

}  // namespace strata::web
