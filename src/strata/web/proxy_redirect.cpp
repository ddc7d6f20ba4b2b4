#include "strata/web/proxy_redirect.h"

#include <strings.h>

namespace strata::web {
namespace {

// The rewritten text from `at` on, or nullopt.
std::optional<std::string> rewrite_from(std::string_view value, size_t at,
                                        std::span<const RedirectRule> rules) {
    std::string_view tail = value.substr(at);
    for (const RedirectRule& rule : rules) {
        if (tail.substr(0, rule.from.size()) != rule.from) continue;
        std::string out(value.substr(0, at));
        out += rule.to;
        out += tail.substr(rule.from.size());
        return out;
    }
    return std::nullopt;
}

}  // namespace

std::pair<std::string, std::string> default_redirect_rule(std::string_view url, bool has_uri_part,
                                                          std::string_view location_prefix) {
    if (has_uri_part) return {std::string(url), std::string(location_prefix)};
    return {std::string(url) + "/", "/"};
}

std::optional<std::string> rewrite_location(std::string_view value,
                                            std::span<const RedirectRule> rules) {
    return rewrite_from(value, 0, rules);
}

std::optional<std::string> rewrite_refresh(std::string_view value,
                                           std::span<const RedirectRule> rules) {
    for (size_t i = 0; i + 4 <= value.size(); ++i)
        if (strncasecmp(value.data() + i, "url=", 4) == 0) return rewrite_from(value, i + 4, rules);
    return std::nullopt;
}

}  // namespace strata::web
