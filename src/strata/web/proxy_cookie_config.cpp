#include "strata/web/proxy_cookie_config.h"

#include <string_view>

namespace strata::web {
namespace {

using config::ConfigError;
using config::Directive;
using config::fail;
using config::Status;
using config::success;
using Kind = ProxyCookieRule::Kind;
using RuleResult = Result<ProxyCookieRule, ConfigError>;

std::string_view without_dot(std::string_view text) {
    return text.starts_with('.') ? text.substr(1) : text;
}

RuleResult regex_rule(const Directive& d, std::string_view pattern, bool caseless) {
    auto regex = Regex::compile(pattern, caseless);
    if (!regex) return fail(d.where, regex.error());
    ProxyCookieRule rule;
    rule.kind = Kind::regex;
    rule.regex = std::move(regex.value());
    rule.replacement = d.args[1];
    return rule;
}

RuleResult text_rule(Kind kind, std::string_view pattern, std::string_view replacement) {
    ProxyCookieRule rule;
    rule.kind = kind;
    rule.pattern = pattern;
    rule.replacement = replacement;
    return rule;
}

RuleResult domain_rule(const Directive& d) {
    std::string_view domain = d.args[0];
    if (domain.starts_with('~')) return regex_rule(d, domain.substr(1), true);
    return text_rule(Kind::domain, without_dot(domain), without_dot(d.args[1]));
}

RuleResult path_rule(const Directive& d) {
    std::string_view path = d.args[0];
    if (path.starts_with("~*")) return regex_rule(d, path.substr(2), true);
    if (path.starts_with('~')) return regex_rule(d, path.substr(1), false);
    return text_rule(Kind::prefix, path, d.args[1]);
}

Status duplicate(const Directive& d) {
    return fail(d.where, "\"" + d.name + "\" directive is duplicate");
}

// nginx's order of checks: nothing may follow `off`; a lone word must be `off`, and
// only as the level's first.
Status add_rule(const Directive& d, ProxyCookieRules& rules, RuleResult (*make)(const Directive&)) {
    if (rules && rules->empty()) return duplicate(d);
    if (d.args.size() == 1) {
        if (d.args[0] != "off") return fail(d.where, "invalid parameter \"" + d.args[0] + "\"");
        if (rules) return duplicate(d);
        rules.emplace();
        return success();
    }
    auto rule = make(d);
    if (!rule) return Err{rule.error()};
    if (!rules) rules.emplace();
    rules->push_back(std::move(rule.value()));
    return success();
}

}  // namespace

Status add_cookie_domain_rule(const Directive& d, ProxyCookieRules& rules) {
    return add_rule(d, rules, domain_rule);
}

Status add_cookie_path_rule(const Directive& d, ProxyCookieRules& rules) {
    return add_rule(d, rules, path_rule);
}

}  // namespace strata::web
