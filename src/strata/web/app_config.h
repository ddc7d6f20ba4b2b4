// The directives that mount apps in the front server's configuration: wsgi_app and its
// location settings, and the interpreter's settings at http level.
#pragma once

#include <string>
#include <string_view>

#include "strata/config/directive.h"
#include "strata/config/status.h"
#include "strata/web/http_config.h"

namespace strata::web {

// wsgi_app, wsgi_root_path, wsgi_threads, wsgi_intercept_errors.
bool is_app_location_directive(std::string_view name);
config::Status apply_app_location_directive(const config::Directive& d, LocationConfig& loc);
// A location with app settings but no wsgi_app is refused at the first setting's line.
config::Status check_app_mount(const LocationConfig& loc);

// wsgi_python_home, wsgi_chdir, wsgi_pythonpath, wsgi_timeout, wsgi_max_requests,
// wsgi_priority, wsgi_config.
bool is_app_runtime_directive(std::string_view name);
config::Status apply_app_runtime_directive(const config::Directive& d, AppRuntime& runtime,
                                           const std::string& prefix);

// wsgi_config's FILE in gunicorn's forms: python:MODULE as it is; PATH and file:PATH with
// a relative PATH made absolute against `prefix` (gunicorn's is relative to its cwd).
std::string config_file_location(const std::string& text, const std::string& prefix);

}  // namespace strata::web
