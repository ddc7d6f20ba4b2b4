// A front-server configuration that mounts apps (wsgi_app) is served from inside Debian's
// python3 executable, as `strata wsgi` is (see python/host_launch.h): the apps then run
// on the interpreter built with profile-guided and link-time optimisation rather than
// libpython3.11.so, about a quarter faster. The process keeps its pid across the exec.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "strata/process/master.h"
#include "strata/web/http_config.h"

namespace strata::cli {

// The host module's first argument when it is to run the front server (nginx's command
// line follows) rather than `strata wsgi`.
inline constexpr std::string_view kFrontHostMarker = "serve";

// Replaces this process with python3 running the same command, when `main` mounts apps
// and this process is not that host already. Returns only when no relaunch is wanted, or
// when it failed (said on stderr): the embedded interpreter serves then.
void serve_from_python_host(const std::vector<std::string>& args, const web::MainConfig& main);

// The interpreter's fork protocol around every fork of a master whose process hosts it.
void add_python_fork_protocol(process::MasterOptions& options);

}  // namespace strata::cli
