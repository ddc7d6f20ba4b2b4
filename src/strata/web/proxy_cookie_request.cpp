#include "strata/web/proxy_cookie_request.h"

#include <memory>

#include "strata/web/proxy_cookie_rules.h"
#include "strata/web/variables.h"

namespace strata::web {
namespace {

CookieValueRewrite bound(const std::vector<ProxyCookieRule>& rules,
                         std::shared_ptr<const CookieRuleContext> context) {
    if (rules.empty()) return {};
    return [&rules, context](std::string_view value) {
        return apply_cookie_rules(value, rules, *context);
    };
}

}  // namespace

std::optional<CookieRewrites> cookie_rewrites_for(RequestContext& ctx) {
    const ProxySettings& s = ctx.settings().proxy;
    if (s.cookie_domains->empty() && s.cookie_paths->empty()) return std::nullopt;
    auto context = std::make_shared<CookieRuleContext>();
    context->expand = [&ctx](std::string_view text) { return expand_variables(text, ctx); };
    // nginx keeps the request's captures when the regex has no groups.
    context->captured = [&ctx](const Regex& regex, const std::vector<std::string_view>& captures) {
        if (regex.capture_count() > 0) remember_captures(ctx, regex, captures);
    };
    return CookieRewrites{bound(*s.cookie_domains, context), bound(*s.cookie_paths, context)};
}

}  // namespace strata::web
