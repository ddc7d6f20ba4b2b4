// Reads the directives that set a LocationSettings field, at any level (http, server,
// location), with nginx's value syntax and error wording.
#pragma once

#include "strata/config/directive.h"
#include "strata/config/status.h"
#include "strata/web/http_config.h"

namespace strata::web {

// Applies `d` to `settings` if it is a settings directive. `handled` tells whether it
// was one; errors name d's file:line.
config::Status apply_setting(const config::Directive& d, LocationSettings& settings, bool& handled);

// The path `root` or `alias` names. As nginx, it may not use $document_root or
// $realpath_root, which are made from it.
Result<VariableText, config::ConfigError> document_path_text(const config::Directive& d);

}  // namespace strata::web
