// The proxy module's settings (proxy_set_header, proxy_*_timeout, proxy_buffers…): set
// at http, server or location level and inherited downwards as nginx merges them (a
// level that sets any proxy_set_header, proxy_hide_header, proxy_redirect,
// proxy_cookie_domain or proxy_cookie_path replaces the whole inherited list). Complete after
// apply_proxy_defaults().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "strata/config/directive.h"
#include "strata/config/status.h"
#include "strata/http/request_head.h"
#include "strata/web/proxy_cookie_config.h"

namespace strata::web {

// proxy_next_upstream's conditions, as a bit set.
enum NextUpstream : uint32_t {
    kNextError = 1u << 0,
    kNextTimeout = 1u << 1,
    kNextInvalidHeader = 1u << 2,
    kNextHttp500 = 1u << 3,
    kNextHttp502 = 1u << 4,
    kNextHttp503 = 1u << 5,
    kNextHttp504 = 1u << 6,
    kNextHttp403 = 1u << 7,
    kNextHttp404 = 1u << 8,
    kNextHttp429 = 1u << 9,
    kNextNonIdempotent = 1u << 10,
    kNextOff = 0,
};

// proxy_set_header NAME VALUE; the value may hold variables.
struct ProxySetHeader {
    std::string name, value;
};

// proxy_redirect: `default` (the proxy_pass URL becomes the location's prefix), `off`,
// or REDIRECT REPLACEMENT pairs, tried in order (both may hold variables).
struct ProxyRedirect {
    std::string from, to;
    bool is_default = false;  // worked out from proxy_pass once it is known
};

struct ProxySettings {
    std::optional<std::vector<ProxySetHeader>> set_headers;
    std::optional<http::Version> http_version;
    std::optional<bool> pass_request_headers, pass_request_body;
    std::optional<std::string> method;    // proxy_method; empty: the client's
    std::optional<std::string> set_body;  // proxy_set_body; unset: the client's body
    std::optional<std::vector<std::string>> hide_headers, pass_headers;
    std::optional<std::vector<ProxyRedirect>> redirects;  // empty: off
    ProxyCookieRules cookie_domains, cookie_paths;        // empty: off
    std::optional<bool> intercept_errors;
    std::optional<uint32_t> next_upstream;             // NextUpstream bits
    std::optional<uint64_t> next_upstream_tries;       // 0: no limit beyond the peers
    std::optional<uint64_t> next_upstream_timeout_ms;  // 0: no limit
    std::optional<uint64_t> connect_timeout_ms, send_timeout_ms, read_timeout_ms;
    std::optional<bool> buffering, ignore_client_abort;
    std::optional<uint64_t> buffer_size;  // proxy_buffer_size: the response head's limit
    std::optional<uint64_t> buffers_number, buffers_size;  // proxy_buffers N SIZE
    std::optional<uint64_t> max_temp_file_size;            // 0: no temporary file
    std::optional<std::string> temp_path;                  // as written: relative to the prefix
};

// nginx's default buffer size: one memory page.
inline constexpr uint64_t kProxyPageSize = 4096;

// Whether `name` is a proxy setting directive (proxy_pass itself is not).
bool is_proxy_setting(std::string_view name);
// Applies one of them; errors name d's file:line.
config::Status apply_proxy_setting(const config::Directive& d, ProxySettings& settings);
void merge(ProxySettings& child, const ProxySettings& parent);
void apply_proxy_defaults(ProxySettings& settings);

// The conditions named by proxy_next_upstream's words (already checked by the schema).
uint32_t next_upstream_mask(const std::vector<std::string>& words);

}  // namespace strata::web
