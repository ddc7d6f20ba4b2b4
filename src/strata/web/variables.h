// nginx's variables ($uri, $args, $host, $http_NAME, $arg_NAME, $1…) for one request.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "strata/web/request_context.h"

namespace strata::web {

// The value of variable `name` (without "$"), or nullopt when it is unknown.
std::optional<std::string> variable_value(std::string_view name, const RequestContext& ctx);

// `text` with every $name / ${name} replaced by its value (unknown ones by "").
std::string expand_variables(std::string_view text, const RequestContext& ctx);

// True when `name` is a variable this server knows (for checks at load).
bool is_known_variable(std::string_view name);

}  // namespace strata::web
