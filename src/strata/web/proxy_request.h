// The request head nginx's proxy module sends upstream (ngx_http_proxy_create_request),
// as bytes: a pure function of the client's parsed request and the location's proxy_*
// settings. Variables in the settings are expanded by the caller; the body, fully
// buffered by then, is sent by the caller after this head.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "strata/http/request_head.h"

namespace strata::web {

// One proxy_set_header, its value already expanded. An empty value sends no field (and
// still keeps the client's field of that name from being passed on).
struct ProxyHeader {
    std::string_view name;
    std::string_view value;
};

struct ProxyRequestSettings {
    std::string_view proxy_host;                    // $proxy_host: the default Host
    std::string_view method;                        // proxy_method; empty: the client's
    http::Version version = http::Version::http10;  // proxy_http_version
    bool pass_request_headers = true;               // proxy_pass_request_headers
    std::span<const ProxyHeader> set_headers;       // proxy_set_header, in configuration order
    std::optional<std::string_view> set_body;       // proxy_set_body, expanded
};

// The head to send for `client` with `uri` as the request target. `body_length` is the
// client's body as read: its Content-Length, or the decoded size of a chunked body (nginx
// buffers it and sends a length); nullopt when the request framed no body at all. nginx
// announces that length even under proxy_pass_request_body off, when it sends no body
// (hence the usual `proxy_set_header Content-Length "";` beside it).
std::string proxy_request_head(const http::RequestHead& client, std::string_view uri,
                               std::optional<uint64_t> body_length,
                               const ProxyRequestSettings& settings);

}  // namespace strata::web
