// From gunicorn's settings to a running app server: listeners, worker options, the
// access log, loading the app (in each worker, or once in the master with --preload),
// the config file (run by the embedded interpreter in the master) and its server hooks.
#pragma once

#include <memory>
#include <string>

#include "strata/base/result.h"
#include "strata/cli/wsgi_command_line.h"
#include "strata/gateway/access_log.h"
#include "strata/gateway/app_server.h"
#include "strata/python/hooks.h"
#include "strata/python/settings.h"
#include "strata/python/wsgi_options.h"
#include "strata/web/http_config.h"

namespace strata::cli {

struct WsgiServer {
    python::WsgiSettings settings;
    std::string app_module;
    python::WsgiOptions wsgi;
    std::unique_ptr<gateway::AccessLog> access_log;
    std::shared_ptr<gateway::App> preloaded;  // --preload: imported in the master
    // The config file's hooks; also what carries Python through the master's forks
    // whenever it runs there (a config file, --preload). Null otherwise.
    std::shared_ptr<python::ServerHooks> hooks;
    gateway::AppServerConfig config;
    // The same server as the front server's configuration, which its workers serve.
    std::shared_ptr<const web::MainConfig> front;
};

// The settings once the config file (if any) was applied under the command line's. A config
// file starts the interpreter in this process and runs there; its hooks are kept for
// build_wsgi_server(). Errors are gunicorn's (status 1).
Result<python::WsgiSettings, CommandLineExit> settings_with_config_file(
    const WsgiCommandLine& line);

// Everything the server needs, checked: bad binds, an unwritable access log and (with
// --preload) an app that fails to import are errors here, before anything starts.
Result<std::unique_ptr<WsgiServer>, std::string> build_wsgi_server(
    const python::WsgiSettings& settings, const std::string& app_module);

// --check-config: whether the app imports; the error is printed.
bool check_app_loads(WsgiServer& server);

}  // namespace strata::cli
