// wsgi_config: a gunicorn config file for the apps of a front-server configuration, read
// by the master when it loads the configuration (at start, -t and every reload) with the
// interpreter running in the master (python/config_file.h). Its app settings go into the
// configuration under the explicit directives (cli/wsgi_config_settings.h), its raw_env
// into the environment the workers inherit, and its hooks are made ready for the master
// and the workers (cli/front_hooks.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "strata/base/result.h"
#include "strata/python/hooks.h"
#include "strata/web/http_config.h"

namespace strata::cli {

struct FrontWsgiConfig {
    std::shared_ptr<python::ServerHooks> hooks;  // also carries Python through the forks
    std::vector<std::string> ignored;            // settings the nginx configuration decides
    std::string warnings;                        // gunicorn's "!!! WARNING" block, if any
    bool preload_app = false;  // the master imports the apps once, before the first fork
};

// Reads `main`'s wsgi_config and applies it to `main`; null when there is none. The
// error is nginx's shape with gunicorn's message: `wsgi_config "x.py" failed in
// /etc/nginx.conf:3: Failed to read config file: …` (a traceback on the lines after).
Result<std::shared_ptr<FrontWsgiConfig>, std::string> read_wsgi_config(web::MainConfig& main);

// The warn-level line naming the ignored settings; empty when there are none.
std::string ignored_settings_message(const FrontWsgiConfig& file, const web::AppRuntime& runtime);

}  // namespace strata::cli
