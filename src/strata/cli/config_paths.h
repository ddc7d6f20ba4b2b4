// Where the configuration file and the prefix are. nginx has a compiled-in prefix;
// strata's default is the directory holding the configuration file, so a config and
// its html/, logs/ and mime.types travel together (`strata -c site/nginx.conf`).
#pragma once

#include <string>

#include "strata/cli/command_line.h"

namespace strata::cli {

struct ConfigPaths {
    std::string conf_file;  // absolute
    std::string prefix;     // absolute, with a final "/"
};

// -p and -c as nginx reads them: -c relative to the current directory; without -c,
// "conf/nginx.conf" under the prefix (the current directory without -p).
ConfigPaths resolve_config_paths(const CommandLine& line);

}  // namespace strata::cli
