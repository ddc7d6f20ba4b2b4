// The value checks of the built-in directives, in nginx's wording: each is a
// DirectiveCheck for one shape of value (a time, a size, one of some words…).
#pragma once

#include "strata/config/parser.h"
#include "strata/config/status.h"

namespace strata::config::detail {

Status check_number(const Directive& directive, const BlockFrame& frame);
Status check_size(const Directive& directive, const BlockFrame& frame);
Status check_offset(const Directive& directive, const BlockFrame& frame);
Status check_time_ms(const Directive& directive, const BlockFrame& frame);
Status check_keepalive_timeout(const Directive& directive, const BlockFrame& frame);
Status check_worker_processes(const Directive& directive, const BlockFrame& frame);
Status check_worker_connections(const Directive& directive, const BlockFrame& frame);
Status check_comp_level(const Directive& directive, const BlockFrame& frame);
Status check_gzip_http_version(const Directive& directive, const BlockFrame& frame);
Status check_server_tokens(const Directive& directive, const BlockFrame& frame);
Status check_if_modified_since(const Directive& directive, const BlockFrame& frame);
Status check_error_log(const Directive& directive, const BlockFrame& frame);
Status check_log_format(const Directive& directive, const BlockFrame& frame);
Status check_set(const Directive& directive, const BlockFrame& frame);
// proxy_http_version 1.0 | 1.1
Status check_proxy_http_version(const Directive& directive, const BlockFrame& frame);
// proxy_next_upstream: off, or nginx's conditions (error, timeout, http_500…).
Status check_proxy_next_upstream(const Directive& directive, const BlockFrame& frame);
// NUMBER SIZE, as proxy_buffers takes them.
Status check_buffers(const Directive& directive, const BlockFrame& frame);
// `keepalive N` in an upstream: a positive number.
Status check_upstream_keepalive(const Directive& directive, const BlockFrame& frame);

}  // namespace strata::config::detail
