// Whether a request that failed on one upstream peer is tried on the next, and with what
// status it ends otherwise: nginx's ngx_http_upstream_next and ngx_http_upstream_test_next
// as pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace strata::web {

// Why a try failed.
enum class UpstreamFailure : uint8_t {
    error,           // connect, write or read failed, or the upstream closed early
    timeout,         // proxy_connect/send/read_timeout
    invalid_header,  // a response head that cannot be parsed
    no_live,         // the balancer had no peer to give
    http_500,
    http_502,
    http_503,
    http_504,
    http_403,
    http_404,
    http_429,
};

// Where the request stands when the try failed.
struct TryState {
    uint32_t next_upstream = 0;  // proxy_next_upstream's bits
    uint64_t tries_left = 0;     // tries still allowed after this one
    bool request_sent = false;   // some of the request reached the peer
    std::string_view method;
    uint64_t elapsed_ms = 0;  // since the first try began
    uint64_t timeout_ms = 0;  // proxy_next_upstream_timeout; 0: none
};

// The failure a response status stands for, when proxy_next_upstream can name it.
std::optional<UpstreamFailure> failure_of_status(int status);

// The status a failure ends the request with (504 for timeouts, 502 for errors…).
int status_of_failure(UpstreamFailure failure);

// Whether to try the next peer. A non-idempotent request (POST, LOCK, PATCH) that was
// sent is tried again only with `non_idempotent`.
bool should_try_next(UpstreamFailure failure, const TryState& state);

// nginx's idempotency test: everything but POST, LOCK and PATCH.
bool is_idempotent(std::string_view method);

}  // namespace strata::web
