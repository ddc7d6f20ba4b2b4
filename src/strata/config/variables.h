// Values with variables: `$uri`, `${uri}`, `$arg_name`, `$http_x_forwarded_for`, `$1`…`$9`.
// compile_value splits a value into literal text and variable references once, at
// load; evaluating them per request is the web layer's job. Which names exist is a
// VariableRegistry: exact names plus prefix families (`http_`, `arg_`, `cookie_`…),
// filled by the layers that can evaluate them.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "strata/base/result.h"
#include "strata/config/directive.h"

namespace strata::config {

struct ValuePart {
    enum class Kind { literal, variable, capture };
    Kind kind = Kind::literal;
    std::string text;  // the literal text, or the variable's name in lower case
    int capture = 0;   // 1…9 for Kind::capture
};

struct CompiledValue {
    std::vector<ValuePart> parts;
    bool has_variables() const;
};

class VariableRegistry {
  public:
    void add_names(std::span<const std::string_view> names);
    void add_prefixes(std::span<const std::string_view> prefixes);
    void add_name(std::string_view name);

    // Case-insensitive, as nginx's variable names are.
    bool knows(std::string_view name) const;

  private:
    std::unordered_set<std::string> names_;
    std::vector<std::string> prefixes_;
};

// nginx's http variables (core, upstream, proxy, gzip, ssl, realip…) and prefix families.
std::span<const std::string_view> nginx_variable_names();
std::span<const std::string_view> nginx_variable_prefixes();
VariableRegistry nginx_variables();

// Splits `text` into parts. Errors, in nginx's words: `invalid variable name`,
// `the closing bracket in "x" variable is missing`, and — when `known` is given —
// `unknown "x" variable`. `where` locates them.
Result<CompiledValue, ConfigError> compile_value(std::string_view text,
                                                 const VariableRegistry* known = nullptr,
                                                 const SourceLocation& where = {});

// Names of the regex named captures in `pattern` ((?<name>…), (?P<name>…), (?'name'…)):
// nginx makes each a variable.
std::vector<std::string> regex_capture_names(std::string_view pattern);

}  // namespace strata::config
