// The PROXY protocol header (v1 text, v2 binary) a load balancer puts before the
// request to pass on the client's address (nginx: listen … proxy_protocol).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "strata/http/request_parser.h"

namespace strata::http {

struct ProxyInfo {
    bool local = false;  // "UNKNOWN" (v1) or LOCAL command (v2): keep the socket's addresses
    std::string source_address, destination_address;
    uint16_t source_port = 0, destination_port = 0;
};

struct ProxyParseResult {
    ParseStatus status;
    size_t consumed = 0;
    ParseError error = ParseError::none;  // bad_proxy_header
};

// Parses a PROXY header at the start of `input` into `info`.
ProxyParseResult parse_proxy_protocol(std::string_view input, ProxyInfo& info);

}  // namespace strata::http
