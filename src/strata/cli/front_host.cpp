#include "strata/cli/front_host.h"

#include <cstdlib>

#include <fmt/core.h>

#include "strata/python/host_launch.h"
#include "strata/python/interpreter.h"
#include "strata/web/mounted_apps.h"

namespace strata::cli {

void serve_from_python_host(const std::vector<std::string>& args, const web::MainConfig& main) {
    if (python::host_interpreter() != nullptr || web::app_mounts(main.http).empty()) return;
    python::InterpreterOptions options;
    options.python_home = main.http.app_runtime.python_home;
    const char* virtual_env = std::getenv("VIRTUAL_ENV");
    python::HostLaunch launch;
    launch.python = python::resolve_interpreter_paths(options, virtual_env ? virtual_env : "");
    launch.module = python::host_module_beside_executable();
    launch.args.emplace_back(kFrontHostMarker);
    launch.args.insert(launch.args.end(), args.begin(), args.end());
    std::string why = python::exec_host(launch);
    fmt::print(stderr, "strata: [warn] the apps run on the embedded interpreter: {}\n", why);
}

void add_python_fork_protocol(process::MasterOptions& options) {
    if (python::host_interpreter() == nullptr) return;  // Python starts in each worker
    options.pre_fork = [](unsigned) { python::before_fork(); };
    options.after_fork_in_parent = [] { python::after_fork_in_parent(); };
    options.post_fork = [](const process::WorkerContext&) { python::after_fork_in_child(); };
    options.before_new_binary_fork = [] { python::before_fork(); };
    options.after_new_binary_fork_in_parent = [] { python::after_fork_in_parent(); };
}

}  // namespace strata::cli
