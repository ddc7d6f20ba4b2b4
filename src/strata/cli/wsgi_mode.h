// `strata wsgi [gunicorn options] MODULE:VARIABLE`: gunicorn's command line, settings,
// logs and signals, serving a WSGI app from embedded CPython.
#pragma once

#include <string>
#include <vector>

namespace strata::cli {

// `args` are the arguments after `wsgi`. Returns the process exit status. Runs in the
// python3 host (python/host_launch.h).
int run_wsgi_mode(const std::vector<std::string>& args);

// From the strata executable: replaces the process with the python3 host running
// run_wsgi_mode(args). Returns (the exit status) only when that fails.
int launch_wsgi_host(const std::vector<std::string>& args);

}  // namespace strata::cli
