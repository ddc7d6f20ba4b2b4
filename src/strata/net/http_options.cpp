#include "strata/net/http_options.h"

namespace strata::net {

RequestOptions request_options_of(const HttpOptions& options) {
    RequestOptions r;
    r.body_limit = options.parser.limits.body;
    r.client_body_timeout_ms = options.client_body_timeout_ms;
    r.keepalive_timeout_ms = options.keepalive_timeout_ms;
    r.keepalive_requests = options.keepalive_requests;
    r.send_timeout_ms = options.send_timeout_ms;
    r.server_token = options.server_token;
    r.body_memory_limit = options.body_memory_limit;
    r.body_temp_dir = options.body_temp_dir;
    return r;
}

}  // namespace strata::net
