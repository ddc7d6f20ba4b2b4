// The request-target proxy_pass sends upstream, by nginx's rules
// (ngx_http_proxy_create_request):
//  - a URL with variables and a URI part: that URI, as it is;
//  - no URI part and the client's URI untouched: the target as the client sent it;
//  - otherwise the normalised URI, its location prefix replaced by the URI part
//    (unless `rewrite … break` changed it in this location: then all of it), escaped
//    again when the client's came escaped or the request was redirected, then "?args".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace strata::web {

// What the request says about its URI at the time it is proxied.
struct ProxiedRequestUri {
    std::string_view target;  // the request-target as received
    std::string_view uri;     // $uri: decoded, normalised, as rewritten so far
    std::string_view args;    // $args
    // No rewrite, internal redirect or `set $args` changed the URI (nginx's
    // valid_unparsed_uri).
    bool unchanged = true;
    // The request went through a rewrite or an internal redirect (nginx's r->internal).
    bool internal = false;
    // `rewrite … break` changed the URI inside this location (nginx's !valid_location).
    bool rewritten_here = false;
};

// What proxy_pass says.
struct ProxyUriRule {
    std::optional<std::string_view> uri_part;  // nullopt: the URL has none
    std::string_view location_prefix;          // what the URI part replaces
    bool from_variables = false;               // the URL was made of variables
};

std::string proxied_uri(const ProxiedRequestUri& request, const ProxyUriRule& rule);

// nginx's ngx_escape_uri(…, NGX_ESCAPE_URI): controls, space, '"', '#', '%', '<', '>',
// '?', '\\', '^', '`', '{', '|', '}', DEL and bytes over 0x7f as %XX.
void append_uri_escaped(std::string& out, std::string_view text);

// The path and query of a request-target ("/a?b" of "http://host/a?b").
std::string_view origin_form(std::string_view target);

}  // namespace strata::web
