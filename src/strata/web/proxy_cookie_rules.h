// The rules of proxy_cookie_domain and proxy_cookie_path (nginx's
// ngx_http_proxy_rewrite_t for cookies), tried in order on one attribute's value; the
// first that matches gives the new value.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "strata/web/regex.h"

namespace strata::web {

struct ProxyCookieRule {
    enum class Kind : uint8_t {
        domain,  // the whole domain, any case, a leading dot kept aside; the rest replaced
        prefix,  // a case-sensitive prefix of the path, replaced
        regex,   // a match anywhere: the whole value replaced
    };
    Kind kind = Kind::prefix;
    std::string pattern;  // domain, prefix: may hold variables
    std::optional<Regex> regex;
    std::string replacement;  // may hold variables and, after a regex, its captures
};

// What the rules need from the request they run for.
struct CookieRuleContext {
    std::function<std::string(std::string_view)> expand;  // a text's variables
    // A regex matched: its captures become $1… (and named ones variables), as in nginx.
    std::function<void(const Regex&, const std::vector<std::string_view>&)> captured;
};

// `value` rewritten by the first rule that matches it; nullopt when none does.
std::optional<std::string> apply_cookie_rules(std::string_view value,
                                              std::span<const ProxyCookieRule> rules,
                                              const CookieRuleContext& context);

}  // namespace strata::web
