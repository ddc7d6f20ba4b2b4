// Turns the loaded directive tree into the typed MainConfig: values parsed, regexes
// compiled, listen addresses checked, settings merged down with nginx's defaults.
// Every error is a ConfigError naming the directive's file:line.
#pragma once

#include <string>
#include <vector>

#include "strata/base/result.h"
#include "strata/config/directive.h"
#include "strata/web/http_config.h"

namespace strata::web {

// `prefix` (with a final "/") anchors relative paths: root, pid, logs; `conf_prefix` (the
// main file's directory; empty: `prefix`) those of certificates, as in nginx.
Result<MainConfig, config::ConfigError> build_main_config(
    const std::vector<config::Directive>& main, const std::string& prefix,
    const std::string& conf_prefix = "");

}  // namespace strata::web
