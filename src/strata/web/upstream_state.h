// What each upstream try of a request left for the access log: nginx's
// $upstream_addr, $upstream_status, $upstream_response_time, $upstream_connect_time,
// $upstream_header_time and $upstream_response_length, with ", " between tries and " : "
// where the request went to another upstream after an internal redirect.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::web {

struct UpstreamTry {
    // The peer's name ("127.0.0.1:8080", "unix:/run/app.sock"), or the group's when
    // none could be had. Empty: the " : " mark of an internal redirect.
    std::string peer;
    int status = 0;  // the upstream's, or 502/504 when the try failed; 0: none
    int64_t response_ms = -1;
    int64_t connect_ms = -1;
    int64_t header_ms = -1;
    uint64_t response_length = 0;  // body bytes received
};

using UpstreamTries = std::vector<UpstreamTry>;

enum class UpstreamVariable { addr, status, response_time, connect_time, header_time, length };

// The variable named `name` ("upstream_addr"…), if it is one of them.
std::optional<UpstreamVariable> upstream_variable(std::string_view name);

// Its value; empty when the request went to no upstream (the log then shows "-").
std::string format_upstream_variable(UpstreamVariable variable, const UpstreamTries& tries);

}  // namespace strata::web
