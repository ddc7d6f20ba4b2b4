// `strata [-c file] …` / `strata serve …`: the front server with nginx's command line.
#pragma once

#include <string>
#include <vector>

#include "strata/cli/command_line.h"

namespace strata::cli {

// `line` parsed from `args` (which a relaunch in the python host repeats). Returns the
// process exit status.
int run_nginx_mode(const CommandLine& line, const std::vector<std::string>& args);

}  // namespace strata::cli
