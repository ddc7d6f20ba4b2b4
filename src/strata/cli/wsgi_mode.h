// `strata wsgi [gunicorn options] MODULE:VARIABLE`: gunicorn's command line, settings,
// logs and signals, serving a WSGI app from embedded CPython.
#pragma once

#include <string>
#include <vector>

namespace strata::cli {

// `args` are the arguments after `wsgi`. Returns the process exit status.
int run_wsgi_mode(const std::vector<std::string>& args);

}  // namespace strata::cli
