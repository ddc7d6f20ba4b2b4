#include "strata/cli/wsgi_mode.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>

#include <fmt/core.h>

#include "strata/base/log.h"
#include "strata/cli/wsgi_command_line.h"
#include "strata/cli/wsgi_server_config.h"
#include "strata/gateway/app_server.h"
#include "strata/python/config_file.h"
#include "strata/python/host_launch.h"
#include "strata/python/interpreter.h"
#include "strata/python/settings.h"

extern char** environ;

namespace strata::cli {
namespace {

int print_exit(const CommandLineExit& exit) {
    fmt::print(exit.to_stderr ? stderr : stdout, "{}", exit.output);
    return exit.exit_code;
}

// gunicorn's error log: "-" is stderr; a file is appended to.
bool open_error_log(const python::WsgiSettings& settings) {
    log::set_style(log::Style::gunicorn);
    log::set_level(
        log::parse_gunicorn_level(settings.effective_loglevel()).value_or(log::Level::info));
    if (settings.errorlog.empty() || settings.errorlog == "-") {
        log::set_fd(2);
        return true;
    }
    if (int error = log::open_file(settings.errorlog); error != 0) {
        fmt::print(stderr, "Error: '{}' isn't writable [{}]\n", settings.errorlog,
                   std::strerror(error));
        return false;
    }
    return true;
}

// gunicorn's --capture-output: stdout and stderr (the app's print(), tracebacks Python
// itself writes) go to the error log file, appended. Nothing when the error log is
// stderr. gunicorn does it when its logger starts and again on USR1.
bool capture_output(const python::WsgiSettings& settings) {
    if (!settings.capture_output || settings.errorlog.empty() || settings.errorlog == "-")
        return true;
    int fd = ::open(settings.errorlog.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        log::error("cannot capture output into '{}': {}", settings.errorlog, std::strerror(errno));
        return false;
    }
    std::fflush(stdout);
    std::fflush(stderr);
    bool ok = ::dup2(fd, STDOUT_FILENO) >= 0 && ::dup2(fd, STDERR_FILENO) >= 0;
    if (!ok) log::error("cannot capture output: dup2() failed: {}", std::strerror(errno));
    ::close(fd);
    return ok;
}

// Captured again after -D sent stdio to /dev/null (the master's when_ready comes after
// that, before the first worker) and after USR1 reopened the log.
void keep_output_captured(gateway::AppServerConfig& config, const python::WsgiSettings& settings) {
    if (!settings.capture_output) return;
    config.when_ready = [hook = std::move(config.when_ready), &settings] {
        capture_output(settings);
        if (hook) hook();
    };
    config.reopen_logs = [hook = std::move(config.reopen_logs), &settings] {
        if (hook) hook();
        capture_output(settings);
    };
}

// -e KEY=VALUE, and --chdir, before anything is imported (gunicorn's order).
bool prepare_process(const python::WsgiSettings& settings) {
    auto env = settings.env();
    if (!env) {
        fmt::print(stderr, "Error: {}\n", env.error());
        return false;
    }
    for (const auto& [key, value] : *env)
        ::setenv(key.c_str(), value.c_str(), 1);
    // A hosted interpreter's os.environ was taken before these.
    if (python::host_interpreter() != nullptr) {
        if (auto exported = python::export_raw_env(settings); !exported) {
            fmt::print(stderr, "Error: {}\n", exported.error());
            return false;
        }
    }
    if (!settings.chdir.empty() && ::chdir(settings.chdir.c_str()) != 0) {
        fmt::print(stderr, "Error: can't chdir to '{}': {}\n", settings.chdir,
                   std::strerror(errno));
        return false;
    }
    return true;
}

// gunicorn's processes leave through sys.exit(): Python then runs the app's atexit
// functions and flushes sys.stdout, after the worker_exit / on_exit hooks. strata's
// leave with _exit(), so that work is chained after the hooks here (in the master it
// only does something when --preload imported the app there).
void run_python_exit_work_last(gateway::AppServerConfig& config) {
    config.worker_exit = [hook = std::move(config.worker_exit)] {
        if (hook) hook();
        python::run_exit_functions();
    };
    config.on_exit = [hook = std::move(config.on_exit)] {
        if (hook) hook();
        python::run_exit_functions();
    };
}

// The Python --python-home (or $VIRTUAL_ENV) names, as the interpreter would be started.
python::InterpreterPaths wanted_python(const python::WsgiSettings& settings) {
    python::InterpreterOptions options;
    options.python_home = settings.python_home.value_or("");
    const char* virtual_env = std::getenv("VIRTUAL_ENV");
    return python::resolve_interpreter_paths(options, virtual_env ? virtual_env : "");
}

}  // namespace

int launch_wsgi_host(const std::vector<std::string>& args) {
    python::HostLaunch launch;
    python::WsgiSettings defaults;
    const char* virtual_env = std::getenv("VIRTUAL_ENV");
    if (virtual_env != nullptr && *virtual_env != '\0') defaults.python_home = virtual_env;
    launch.python = wanted_python(defaults);
    launch.module = python::host_module_beside_executable();
    launch.args = args;
    fmt::print(stderr, "strata wsgi: {}\n", python::exec_host(launch));
    return 1;
}

int run_wsgi_mode(const std::vector<std::string>& args) {
    python::Environment environment = python::environment_from(environ);
    auto line = parse_wsgi_command_line(args, environment);
    if (!line) return print_exit(line.error());
    // --python-home named another Python than the launch chose: run there instead.
    if (const python::HostInterpreter* host = python::host_interpreter()) {
        python::InterpreterPaths wanted = wanted_python(line->settings);
        if (wanted != host->paths) {
            fmt::print(stderr, "strata wsgi: {}\n",
                       python::exec_host({wanted, host->module, args}));
            return 1;
        }
    }
    auto settings = settings_with_config_file(*line);
    if (!settings) return print_exit(settings.error());
    if (settings->print_config) {
        fmt::print("{}", python::print_config(*settings));
        return 0;
    }
    auto app_module = resolve_app_module(*line, *settings);
    if (!app_module) return print_exit(app_module.error());
    if (!prepare_process(*settings) || !open_error_log(*settings) || !capture_output(*settings))
        return 1;
    auto server = build_wsgi_server(*settings, *app_module);
    if (!server) {
        fmt::print(stderr, "Error: {}\n", server.error());
        return 1;
    }
    if (settings->check_config) return check_app_loads(**server) ? 0 : 1;
    run_python_exit_work_last((*server)->config);
    keep_output_captured((*server)->config, (*server)->settings);
    return gateway::run_app_server((*server)->config);
}

}  // namespace strata::cli
