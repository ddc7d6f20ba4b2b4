// nginx's rewrite module: the script of `rewrite`, `return`, `set`, `break` and
// `if (…) {…}` a server or location runs before its content, in config order.
// Regexes and conditions are compiled at load; values with variables are expanded
// per request.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/config/directive.h"
#include "strata/config/status.h"
#include "strata/config/variables.h"
#include "strata/web/regex.h"

namespace strata::web {

struct RequestContext;
struct LocationConfig;

// The condition of `if (…)`.
struct RewriteCondition {
    enum class Kind { variable, equal, not_equal, match, no_match, file_test };
    Kind kind = Kind::variable;
    std::string subject;  // "$var", or the path of a file test; may hold variables
    std::string operand;  // right side of = and !=; may hold variables
    std::optional<Regex> regex;
    char file_test = 'f';  // f, d, e or x
    bool negated = false;  // !-f …
};

struct RewriteStep;
using RewriteScript = std::vector<RewriteStep>;

struct RewriteStep {
    enum class Kind { rewrite, respond, set, stop, condition };
    enum class Flag { none, last, stop, redirect, permanent };
    Kind kind = Kind::rewrite;
    config::SourceLocation where;
    // rewrite: the replacement split at its first '?' (nginx's args boundary)
    std::optional<Regex> regex;
    config::CompiledValue new_uri, new_args;
    bool has_args = false;
    bool keep_args = true;  // false when the replacement ends with '?'
    Flag flag = Flag::none;
    // return: status and text (URL for redirects); set: name (lower case) and value
    int status = 0;
    std::string name, text;
    // if
    RewriteCondition condition;
    RewriteScript block;
    // In a location: nginx serves a request whose `if` matched from the block's own
    // location, which inherits the settings but not try_files.
    std::shared_ptr<const LocationConfig> if_location;
    // Directives of the `if` block that configure its location (proxy_pass).
    std::vector<config::Directive> location_directives;
};

// Directives that belong to the script (rewrite_log and uninitialized_variable_warn
// are accepted and have no effect).
bool is_rewrite_directive(std::string_view name);

// Appends the step `d` compiles to; errors name d's file:line.
config::Status add_rewrite_step(const config::Directive& d, RewriteScript& script);

// What the script decided.
struct RewriteOutcome {
    enum class Kind {
        proceed,      // go on in this location (or on to location matching)
        uri_changed,  // the URI changed without `break`: find the location again
        respond,      // answer with `status` and `text` (a redirect's URL, or a body)
    };
    Kind kind = Kind::proceed;
    int status = 0;
    std::string text;       // expanded
    bool has_text = false;  // `return 404;` answers with the error page instead
};

RewriteOutcome run_rewrite_script(const RewriteScript& script, RequestContext& ctx);

}  // namespace strata::web
