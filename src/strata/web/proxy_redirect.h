// proxy_redirect: the Location and Refresh an upstream sends are rewritten when they
// start with a rule's text (nginx's ngx_http_proxy_rewrite_complex_handler: a
// case-sensitive prefix, the first rule that matches wins). `default` is the proxy_pass
// URL (with "/" added when it has no URI part) → the location's prefix (or "/").
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace strata::web {

// One rule, its variables already expanded (views of text its user keeps).
struct RedirectRule {
    std::string_view from, to;
};

// The texts of the rule `proxy_redirect default` stands for: {from, to}.
std::pair<std::string, std::string> default_redirect_rule(std::string_view proxy_pass_url,
                                                          bool has_uri_part,
                                                          std::string_view location_prefix);

// `value` (a Location) rewritten by the first matching rule; nullopt when none matches.
std::optional<std::string> rewrite_location(std::string_view value,
                                            std::span<const RedirectRule> rules);

// A Refresh ("5; url=http://…"): the URL after "url=" (any case) rewritten likewise.
std::optional<std::string> rewrite_refresh(std::string_view value,
                                           std::span<const RedirectRule> rules);

}  // namespace strata::web
