// `strata wsgi` runs inside Debian's python3 executable rather than embedding
// libpython3.11.so: the executable's interpreter is built with profile-guided and
// link-time optimisation, and runs the same app code about a quarter faster than the
// shared library. strata's code comes in as an extension module (strata_wsgi_host, built
// beside the strata executable) whose main() is the `wsgi` command. The process keeps
// its pid across the exec, so a supervisor or a test sees one process.
#pragma once

#include <string>
#include <vector>

#include "strata/python/interpreter.h"

namespace strata::python {

struct HostLaunch {
    InterpreterPaths python;        // the executable run, and PYTHONHOME when set
    std::string module;             // the host module's path
    std::vector<std::string> args;  // the `wsgi` command's arguments
};

// The host module beside the running executable (the build puts it there).
std::string host_module_beside_executable();

// The command line and the environment entries that run `launch` (for tests, and used
// by exec_host()).
std::vector<std::string> host_command(const HostLaunch& launch);
std::vector<std::string> host_environment(const HostLaunch& launch, char** current);

// Replaces this process with the host. Returns only when exec fails: the reason.
std::string exec_host(const HostLaunch& launch);

}  // namespace strata::python
