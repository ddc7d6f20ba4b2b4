#include "strata/cli/nginx_mode.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <ctime>
#include <functional>
#include <optional>

#include <fmt/core.h>

#include "strata/base/log.h"
#include "strata/cli/front_config.h"
#include "strata/cli/front_host.h"
#include "strata/cli/front_master_python.h"
#include "strata/cli/front_worker.h"
#include "strata/process/master.h"
#include "strata/process/pid_file.h"
#include "strata/web/mounted_apps.h"
#include "strata/web/virtual_hosts.h"

namespace strata::cli {
namespace {

// A configuration that failed to load is reported as nginx does: on stderr and in the
// error log it opened before reading the configuration (-e, else logs/error.log under
// the prefix). The log is what shows the error of a master started detached (a binary
// upgrade's), whose stderr goes nowhere.
void report_config_error(const CommandLine& line, const ConfigPaths& paths,
                         const std::string& message) {
    fmt::print(stderr, "strata: [emerg] {}\n", message);
    std::string path = line.error_log.empty() ? paths.prefix + "logs/error.log" : line.error_log;
    if (path == "stderr") return;
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return;  // nginx then says so on stderr too; the message is there already
    std::string text = log::format_line(log::Style::nginx, log::Level::emerg, message,
                                        std::time(nullptr), static_cast<int>(::getpid()));
    ssize_t written = ::write(fd, text.data(), text.size());
    (void)written;  // nothing more to tell: stderr has the message
    ::close(fd);
}

// nginx's -t report: "the configuration file X syntax is ok" / "… test is successful".
int test_configuration(const CommandLine& line, const ConfigPaths& paths) {
    auto loaded = load_front_config(paths, line.directives, true);
    if (!loaded) {
        report_config_error(line, paths, describe(loaded.error()));
        fmt::print(stderr, "strata: configuration file {} test failed\n", paths.conf_file);
        return 1;
    }
    if (loaded->wsgi_config) warn_about_wsgi_config(*loaded, true);
    if (!line.quiet) {
        fmt::print(stderr, "strata: the configuration file {} syntax is ok\n", paths.conf_file);
        fmt::print(stderr, "strata: configuration file {} test is successful\n", paths.conf_file);
    }
    if (line.dump) fmt::print("{}", config::dump(loaded->loaded));
    return 0;
}

int signal_master(const CommandLine& line, const ConfigPaths& paths) {
    auto loaded = load_front_config(paths, line.directives, false);
    if (!loaded) {
        report_config_error(line, paths, describe(loaded.error()));
        return 1;
    }
    auto sent = process::send_signal_to_master(loaded->main->pid_file, line.signal);
    if (!sent) {
        fmt::print(stderr, "strata: [error] {}\n", sent.error());
        return 1;
    }
    return 0;
}

// The error log of the configuration (or -e); stderr when it cannot be opened, as
// nginx reports it and carries on.
void open_error_log(const std::string& path) {
    if (path.empty() || path == "stderr") return log::set_fd(2);
    if (int error = log::open_file(path); error != 0) {
        fmt::print(stderr,
                   "strata: [alert] could not open error log file: open() \"{}\" failed ({}: {})\n",
                   path, error, std::strerror(error));
        return log::set_fd(2);
    }
}

process::Generation generation_of(const FrontConfig& loaded, const MasterPython& python) {
    std::shared_ptr<const web::MainConfig> main = loaded.main;
    process::Generation generation;
    for (const web::ListenGroup& group : web::group_by_listen_address(main->http))
        generation.listen.push_back({group.listen.address, group.listen.options});
    generation.worker_processes = static_cast<unsigned>(main->worker_processes);
    generation.worker_rlimit_nofile = main->worker_rlimit_nofile;
    // gunicorn's --timeout for workers that run apps (nginx has none for its own); each
    // generation has its configuration's.
    bool apps = !web::app_mounts(main->http).empty();
    generation.worker_timeout =
        std::chrono::milliseconds(apps ? main->http.app_runtime.timeout_ms : 0);
    std::shared_ptr<python::ServerHooks> hooks = python.hooks ? python.hooks->current() : nullptr;
    generation.run_worker = [main, hooks,
                             preloaded = python.preloaded](process::WorkerContext& worker) {
        return run_front_worker({main, hooks.get(), preloaded.get()}, worker);
    };
    return generation;
}

// The configuration loaded at start serves the first generation; every reload loads it
// again (a wsgi_config's settings with it).
std::function<Result<process::Generation, std::string>()> generation_loader(
    const CommandLine& line, const ConfigPaths& paths, FrontConfig first, MasterPython python) {
    auto pending = std::make_shared<std::optional<FrontConfig>>(std::move(first));
    return [line, paths, python, pending]() -> Result<process::Generation, std::string> {
        if (*pending) {
            process::Generation generation = generation_of(**pending, python);
            pending->reset();
            return generation;
        }
        auto loaded = load_front_config(paths, line.directives, true);
        if (!loaded) return Err{describe(loaded.error())};
        reload_wsgi_config(*loaded, python);
        return generation_of(*loaded, python);
    };
}

// The configuration to serve: read once more when it mounts apps and wants a wsgi_config
// run, now that this process is where the apps' interpreter lives.
Result<FrontConfig, config::ConfigError> load_for_serving(const CommandLine& line,
                                                          const ConfigPaths& paths,
                                                          FrontConfig first) {
    if (first.main->http.app_runtime.config_file.empty()) return first;
    return load_front_config(paths, line.directives, true);
}

}  // namespace

int run_nginx_mode(const CommandLine& line, const std::vector<std::string>& args) {
    ConfigPaths paths = resolve_config_paths(line);
    if (line.test) return test_configuration(line, paths);
    if (!line.signal.empty()) return signal_master(line, paths);
    auto first = load_front_config(paths, line.directives, false);
    if (first) serve_from_python_host(args, *first->main);  // returns when not wanted
    if (first) first = load_for_serving(line, paths, std::move(first).value());
    if (!first) {
        report_config_error(line, paths, describe(first.error()));
        return 1;
    }
    std::shared_ptr<const web::MainConfig> main = first->main;
    open_error_log(line.error_log.empty() ? main->error_log : line.error_log);
    if (auto level = log::parse_level(main->error_log_level)) log::set_level(*level);
    process::MasterOptions options;
    options.pid_file = main->pid_file;
    options.daemon = main->daemon;
    options.reopen_logs = [] { log::reopen(); };  // USR1; each worker reopens its own
    MasterPython python;
    if (!first->wsgi_config)
        add_python_fork_protocol(options);
    else if (!start_wsgi_config(*first, options, python))
        return 1;
    options.load = generation_loader(line, paths, std::move(first).value(), python);
    return process::run_master(std::move(options));
}

}  // namespace strata::cli
