// The upstream's response head as the proxy hands it to the front server's filters
// (nginx's ngx_http_upstream_process_headers): the status line kept as the upstream
// wrote it; hop-by-hop and framing fields dropped (the front server frames the body
// itself); Date, Server, X-Pad and X-Accel-* hidden unless proxy_pass_header names them,
// and whatever proxy_hide_header names; Location and Refresh rewritten by
// proxy_redirect; Set-Cookie rewritten by proxy_cookie_domain and proxy_cookie_path.
// Last-Modified stays among the fields, where nginx 1.22 writes an
// upstream's (its fixed place is for the ones it makes itself).
#pragma once

#include <forward_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "strata/http/response_head.h"
#include "strata/net/http_exchange.h"
#include "strata/web/proxy_cookie.h"
#include "strata/web/proxy_redirect.h"

namespace strata::web {

struct UpstreamHeaderRules {
    std::span<const std::string> hide;        // proxy_hide_header
    std::span<const std::string> pass;        // proxy_pass_header
    const CookieRewrites* cookies = nullptr;  // proxy_cookie_*; null: none
};

// Whether the client gets the upstream's field `name`.
bool passes_upstream_field(std::string_view name, const UpstreamHeaderRules& rules);

// The head to forward: views into `upstream`'s bytes and into `keep` (rewritten values).
// `location` is set only when proxy_redirect rewrote it (nginx then treats it as its own
// redirect, so a relative one is made absolute); otherwise Location stays among the
// fields as the upstream sent it.
net::ResponseHead forwarded_head(const http::ResponseHead& upstream,
                                 const UpstreamHeaderRules& rules,
                                 std::span<const RedirectRule> redirects,
                                 std::forward_list<std::string>& keep);

// The Content-Length the client is told: the upstream's when it framed the body by
// length (or answered HEAD with one), else -1 (chunked or the end of the connection).
int64_t forwarded_length(const http::ResponseHead& upstream);

}  // namespace strata::web
