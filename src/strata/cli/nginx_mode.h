// `strata [-c file] …` / `strata serve …`: the front server with nginx's command line.
#pragma once

#include "strata/cli/command_line.h"

namespace strata::cli {

// Returns the process exit status.
int run_nginx_mode(const CommandLine& line);

}  // namespace strata::cli
