// What a wsgi_config file's gunicorn settings mean for the apps of a front-server
// configuration. The nginx configuration decides how the server listens, forks and logs,
// so only the settings about the apps apply, and they apply as defaults: an explicit
// wsgi_* directive wins over the file.
//
// Plain C++ (no Python.h): the file is read by python/config_file.h; this is the mapping.
#pragma once

#include <string>
#include <vector>

#include "strata/python/settings.h"
#include "strata/web/http_config.h"

namespace strata::cli {

// Applies `file` to `main`: threads (to app locations without wsgi_threads), timeout,
// max_requests and max_requests_jitter, chdir, pythonpath (relative entries against
// chdir, else the prefix). raw_env and the hooks are the python layer's. Returns the
// names of the other settings the file set, in gunicorn's order: they are ignored.
std::vector<std::string> apply_wsgi_config_settings(const python::WsgiSettings& file,
                                                    web::MainConfig& main);

}  // namespace strata::cli
