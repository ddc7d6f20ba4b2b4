// Loading what `strata -c` serves: the configuration file (with -g directives) read
// and checked by config/, then built into the typed web configuration.
#pragma once

#include <memory>
#include <string>

#include "strata/base/result.h"
#include "strata/cli/config_paths.h"
#include "strata/cli/front_wsgi_config.h"
#include "strata/config/loader.h"
#include "strata/web/http_config.h"

namespace strata::cli {

struct FrontConfig {
    config::LoadedConfig loaded;
    std::shared_ptr<const web::MainConfig> main;
    std::shared_ptr<FrontWsgiConfig> wsgi_config;  // read when asked and set; else null
};

// With `read_wsgi_config`, a wsgi_config file is run (in this process's interpreter) and
// applied to `main`; its failure is the load's (the message carries its place).
Result<FrontConfig, config::ConfigError> load_front_config(const ConfigPaths& paths,
                                                           const std::string& global_directives,
                                                           bool read_wsgi_config);

// nginx's shape for a configuration error: `unknown directive "x" in /path/nginx.conf:12`.
std::string describe(const config::ConfigError& error);

}  // namespace strata::cli
