// nginx's command line, as `strata` (or `strata serve`) takes it:
//   [-?hvVtTq] [-s signal] [-p prefix] [-e filename] [-c filename] [-g directives]
// Flags combine ("-tq") and values may be attached ("-cfile"), as with nginx.
#pragma once

#include <string>
#include <vector>

#include "strata/base/result.h"

namespace strata::cli {

struct CommandLine {
    bool help = false;
    bool version = false;       // -v
    bool version_full = false;  // -V
    bool test = false;          // -t
    bool dump = false;          // -T (implies test)
    bool quiet = false;         // -q
    std::string signal;         // -s stop|quit|reopen|reload
    std::string prefix;         // -p, empty when not given
    std::string error_log;      // -e, empty when not given
    std::string conf_file;      // -c, empty when not given
    std::string directives;     // -g
};

// `args` excludes the program name (and "serve"). Errors read like nginx's:
// `invalid option: "x"`, `option "-c" requires file name`, `invalid option: "-s foo"`.
Result<CommandLine, std::string> parse_command_line(const std::vector<std::string>& args);

// nginx's usage text, with strata's names and defaults.
std::string usage_text();

}  // namespace strata::cli
