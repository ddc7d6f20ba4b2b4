// Loading what `strata -c` serves: the configuration file (with -g directives) read
// and checked by config/, then built into the typed web configuration.
#pragma once

#include <memory>
#include <string>

#include "strata/base/result.h"
#include "strata/cli/config_paths.h"
#include "strata/config/loader.h"
#include "strata/web/http_config.h"

namespace strata::cli {

struct FrontConfig {
    config::LoadedConfig loaded;
    std::shared_ptr<const web::MainConfig> main;
};

Result<FrontConfig, config::ConfigError> load_front_config(const ConfigPaths& paths,
                                                           const std::string& global_directives);

// nginx's shape for a configuration error: `unknown directive "x" in /path/nginx.conf:12`.
std::string describe(const config::ConfigError& error);

}  // namespace strata::cli
