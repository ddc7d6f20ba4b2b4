// proxy_cookie_domain and proxy_cookie_path as one configuration level reads them, with
// nginx's checks and messages: `off` stands alone at its level (it cancels what would be
// inherited), otherwise each directive adds a rule PATTERN REPLACEMENT.
#pragma once

#include <optional>
#include <vector>

#include "strata/config/directive.h"
#include "strata/config/status.h"
#include "strata/web/proxy_cookie_rules.h"

namespace strata::web {

// A level's rules: unset (inherit), empty (off) or the rules in order.
using ProxyCookieRules = std::optional<std::vector<ProxyCookieRule>>;

// proxy_cookie_domain off | DOMAIN REPLACEMENT: "~" makes DOMAIN a caseless regex; a
// leading "." of DOMAIN and of REPLACEMENT is dropped.
config::Status add_cookie_domain_rule(const config::Directive& d, ProxyCookieRules& rules);

// proxy_cookie_path off | PATH REPLACEMENT: "~" and "~*" make PATH a regex.
config::Status add_cookie_path_rule(const config::Directive& d, ProxyCookieRules& rules);

}  // namespace strata::web
