// `proxy_pass URL` in a location: where its requests go. A URL without variables is
// read at load and bound to its upstream group (an `upstream {}` block of that name, or
// a group of its own made from the address, as nginx makes an implicit upstream); one
// with variables is read per request by the same parser.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "strata/base/result.h"
#include "strata/config/directive.h"
#include "strata/config/status.h"
#include "strata/config/variables.h"
#include "strata/web/upstream_config.h"

namespace strata::web {

// A proxy_pass URL taken apart: "http://host[:port][/uri]" or "http://unix:/path[:/uri]".
struct ProxyUrl {
    std::string host;  // "backend", "127.0.0.1", "[::1]"; the socket's path for unix
    bool is_unix = false;
    std::optional<uint16_t> port;    // as written; nullopt: none
    std::optional<std::string> uri;  // the URI part, from its "/"; nullopt: none
    std::string proxy_host;          // $proxy_host: host[:port], port left out when 80
    std::string proxy_port;          // $proxy_port: "80", the port written, "" for unix
};

// nginx's checks and words: "invalid URL prefix", then the address's errors
// ("invalid port", "no host", "no path in the unix domain socket"…).
Result<ProxyUrl, std::string> parse_proxy_url(std::string_view url);

struct ProxyPass {
    std::string url;  // as written
    config::SourceLocation where;
    // Set when the URL names variables: it is expanded and parsed per request.
    std::optional<config::CompiledValue> variables;
    ProxyUrl target;  // without variables
    // Without variables: the group the requests go to (bound once the http block is read).
    std::shared_ptr<const UpstreamGroup> group;
    // The prefix the URI part replaces: the location's name (empty in regex and named
    // locations and in `if`, where a URI part is refused).
    std::string location_prefix;
    // `proxy_redirect default`'s rule for this URL (without variables): from, to.
    std::pair<std::string, std::string> default_redirect;
};

// What proxy_pass in a location of this kind accepts; `prefix` is the location's name
// when a URI part may replace it, nullopt when a URI part is an error (regex and named
// locations, `if`, limit_except).
config::Status build_proxy_pass(const config::Directive& d, std::optional<std::string> prefix,
                                ProxyPass& out);

// Upstream groups proxy_pass made of addresses (nginx's implicit upstreams), by lower-case
// "host:port", so that locations naming the same address share one.
using ImplicitUpstreams = std::map<std::string, std::shared_ptr<const UpstreamGroup>>;

// Binds `pass` (without variables) to an upstream block or an implicit group: nginx's
// `upstream "x" may not have port N`, `host not found in upstream "x"` at its line.
config::Status bind_proxy_pass(ProxyPass& pass, const UpstreamGroups& groups,
                               ImplicitUpstreams& implicit);

// For a URL evaluated per request: the group its host names (an upstream block, or an
// implicit group of the same address), else null.
std::shared_ptr<const UpstreamGroup> find_proxy_group(const ProxyUrl& url,
                                                      const UpstreamGroups& groups,
                                                      const ImplicitUpstreams& implicit);

// A group of one peer for an address literal (IP or unix path) met per request; nullopt
// when the host is a name (nginx would need a resolver).
std::optional<UpstreamGroup> literal_group(const ProxyUrl& url);

}  // namespace strata::web
