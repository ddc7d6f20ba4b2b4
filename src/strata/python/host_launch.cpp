#include "strata/python/host_launch.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>

#include <fmt/core.h>

#ifndef STRATA_PYTHON_VERSION
#error "STRATA_PYTHON_VERSION (the bridge's Python, major.minor) must be defined"
#endif
#ifndef STRATA_HOST_MODULE_FILE
#error "STRATA_HOST_MODULE_FILE (the host module's file name) must be defined"
#endif

namespace strata::python {
namespace {

constexpr std::string_view kModuleVariable = "STRATA_WSGI_HOST_MODULE";
constexpr std::string_view kPythonVariable = "STRATA_WSGI_PYTHON";
constexpr std::string_view kHomeVariable = "STRATA_WSGI_PYTHONHOME";

// Run by `python -P -c`: -P keeps the working directory out of sys.path (strata puts it
// there itself, as gunicorn does); the variables are taken out of os.environ before the
// app can see them.
std::string bootstrap_code() {
    return fmt::format(
        "import sys\n"
        "if sys.version_info[:2] != ({0}):\n"
        "    sys.exit(f'strata wsgi: {{sys.executable}} is Python {{sys.version.split()[0]}}; "
        "strata needs Python {1}')\n"
        "import importlib.util, os\n"
        "e = os.environ\n"
        "spec = importlib.util.spec_from_file_location('strata_wsgi_host', e.pop('{2}'))\n"
        "host = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(host)\n"
        "sys.exit(host.main(sys.argv[1:], spec.origin, e.pop('{3}'), e.pop('{4}')))\n",
        std::string(STRATA_PYTHON_VERSION).replace(1, 1, ", "), STRATA_PYTHON_VERSION,
        kModuleVariable, kPythonVariable, kHomeVariable);
}

bool has_name(std::string_view entry, std::string_view name) {
    return entry.size() > name.size() && entry.substr(0, name.size()) == name &&
           entry[name.size()] == '=';
}

// A sanitizer build's module needs the ASan runtime loaded first, and LeakSanitizer
// cannot tell the host interpreter's deliberate leaks at exit from strata's.
void add_sanitizer_entries(std::vector<std::string>& env) {
#ifdef STRATA_SANITIZER_RUNTIME
    std::string preload = STRATA_SANITIZER_RUNTIME;
    std::string asan = "detect_leaks=0";
    for (auto it = env.begin(); it != env.end();) {
        if (has_name(*it, "LD_PRELOAD")) {
            preload += ":" + it->substr(11);
            it = env.erase(it);
        } else if (has_name(*it, "ASAN_OPTIONS")) {
            asan = it->substr(13) + ":" + asan;
            it = env.erase(it);
        } else {
            ++it;
        }
    }
    env.push_back("LD_PRELOAD=" + preload);
    env.push_back("ASAN_OPTIONS=" + asan);
#else
    (void)env;
#endif
}

}  // namespace

std::string host_module_beside_executable() {
    std::error_code error;
    std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
    return (self.parent_path() / STRATA_HOST_MODULE_FILE).string();
}

std::vector<std::string> host_command(const HostLaunch& launch) {
    std::vector<std::string> command{launch.python.executable, "-P", "-c", bootstrap_code()};
    command.insert(command.end(), launch.args.begin(), launch.args.end());
    return command;
}

std::vector<std::string> host_environment(const HostLaunch& launch, char** current) {
    std::vector<std::string> env;
    for (char** e = current; e != nullptr && *e != nullptr; ++e) {
        std::string_view entry(*e);
        bool replaced = has_name(entry, kModuleVariable) || has_name(entry, kPythonVariable) ||
                        has_name(entry, kHomeVariable) ||
                        (!launch.python.home.empty() && has_name(entry, "PYTHONHOME"));
        if (!replaced) env.emplace_back(entry);
    }
    env.push_back(fmt::format("{}={}", kModuleVariable, launch.module));
    env.push_back(fmt::format("{}={}", kPythonVariable, launch.python.executable));
    env.push_back(fmt::format("{}={}", kHomeVariable, launch.python.home));
    if (!launch.python.home.empty()) env.push_back("PYTHONHOME=" + launch.python.home);
    add_sanitizer_entries(env);
    return env;
}

std::string exec_host(const HostLaunch& launch) {
    if (::access(launch.module.c_str(), R_OK) != 0)
        return fmt::format("cannot read strata's Python module {}: {}", launch.module,
                           std::strerror(errno));
    std::vector<std::string> command = host_command(launch);
    std::vector<std::string> env = host_environment(launch, environ);
    std::vector<char*> argv;
    std::vector<char*> envp;
    for (std::string& arg : command)
        argv.push_back(arg.data());
    argv.push_back(nullptr);
    for (std::string& entry : env)
        envp.push_back(entry.data());
    envp.push_back(nullptr);
    ::execve(argv[0], argv.data(), envp.data());
    return fmt::format("cannot run {}: {}", launch.python.executable, std::strerror(errno));
}

}  // namespace strata::python
