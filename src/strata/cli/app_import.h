// Importing the apps a front-server configuration mounts (wsgi_app): in each worker after
// the fork, or once in the master when a wsgi_config sets preload_app (the workers then
// share what the master imported, as gunicorn's --preload).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "strata/base/result.h"
#include "strata/gateway/app.h"
#include "strata/python/hooks.h"
#include "strata/web/http_config.h"

namespace strata::cli {

using ImportedApps = std::map<std::string, std::shared_ptr<gateway::App>>;  // by wsgi_app's text

// gunicorn's order: the apps' directory (wsgi_chdir, else the prefix) becomes the working
// directory, then Python starts (or, already running, gets the sys.path a start would
// give it). Failures are logged.
bool enter_app_interpreter(const web::MainConfig& config);

// `mount`'s app, with the request hooks of `hooks` (may be null) observing it. The error
// names the wsgi_app and its place.
Result<std::shared_ptr<gateway::App>, std::string> import_app(const web::AppMount& mount,
                                                              unsigned workers,
                                                              python::ServerHooks* hooks);

// preload_app: every app `config` mounts, imported in this process.
Result<ImportedApps, std::string> preload_apps(const web::MainConfig& config,
                                               python::ServerHooks* hooks);

}  // namespace strata::cli
