#include "strata/web/proxy_cookie_rules.h"

#include "strata/http/request_head.h"

namespace strata::web {
namespace {

using Kind = ProxyCookieRule::Kind;

// nginx's domain handler: "domain=.example.com" matches "example.com" and keeps its dot.
std::optional<std::string> rewrite_domain(std::string_view value, const ProxyCookieRule& rule,
                                          const CookieRuleContext& context) {
    std::string_view dot = value.substr(0, value.starts_with('.') ? 1 : 0);
    if (!http::iequals(value.substr(dot.size()), context.expand(rule.pattern))) return std::nullopt;
    return std::string(dot) + context.expand(rule.replacement);
}

std::optional<std::string> rewrite_prefix(std::string_view value, const ProxyCookieRule& rule,
                                          const CookieRuleContext& context) {
    std::string prefix = context.expand(rule.pattern);
    if (!value.starts_with(prefix)) return std::nullopt;
    return context.expand(rule.replacement) + std::string(value.substr(prefix.size()));
}

std::optional<std::string> rewrite_regex(std::string_view value, const ProxyCookieRule& rule,
                                         const CookieRuleContext& context) {
    std::vector<std::string_view> captures;
    if (!rule.regex->match(value, &captures)) return std::nullopt;
    if (context.captured) context.captured(*rule.regex, captures);
    return context.expand(rule.replacement);
}

std::optional<std::string> apply_rule(std::string_view value, const ProxyCookieRule& rule,
                                      const CookieRuleContext& context) {
    switch (rule.kind) {
        case Kind::domain:
            return rewrite_domain(value, rule, context);
        case Kind::prefix:
            return rewrite_prefix(value, rule, context);
        case Kind::regex:
            return rewrite_regex(value, rule, context);
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> apply_cookie_rules(std::string_view value,
                                              std::span<const ProxyCookieRule> rules,
                                              const CookieRuleContext& context) {
    for (const ProxyCookieRule& rule : rules)
        if (auto rewritten = apply_rule(value, rule, context)) return rewritten;
    return std::nullopt;
}

}  // namespace strata::web
