// From gunicorn's settings to a running app server: listeners, worker options, the
// access log, and loading the app (in each worker, or once in the master with
// --preload).
#pragma once

#include <memory>
#include <string>

#include "strata/base/result.h"
#include "strata/cli/wsgi_command_line.h"
#include "strata/gateway/access_log.h"
#include "strata/gateway/app_server.h"
#include "strata/python/settings.h"
#include "strata/python/wsgi_options.h"

namespace strata::cli {

struct WsgiServer {
    python::WsgiSettings settings;
    std::string app_module;
    python::WsgiOptions wsgi;
    std::unique_ptr<gateway::AccessLog> access_log;
    std::shared_ptr<gateway::App> preloaded;  // --preload: imported in the master
    gateway::AppServerConfig config;
};

// The settings once the config file (if any) was applied under the command line's.
Result<python::WsgiSettings, CommandLineExit> settings_with_config_file(const WsgiCommandLine& line);

// Everything the server needs, checked: bad binds, an unwritable access log and (with
// --preload) an app that fails to import are errors here, before anything starts.
Result<std::unique_ptr<WsgiServer>, std::string> build_wsgi_server(
    const python::WsgiSettings& settings, const std::string& app_module);

// --check-config: whether the app imports; the error is printed.
bool check_app_loads(WsgiServer& server);

}  // namespace strata::cli
