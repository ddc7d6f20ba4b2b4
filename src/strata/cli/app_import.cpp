#include "strata/cli/app_import.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/core.h>

#include "strata/base/log.h"
#include "strata/python/app_loader.h"
#include "strata/python/config_file.h"
#include "strata/python/interpreter.h"
#include "strata/web/mounted_apps.h"

namespace strata::cli {
namespace {

// gunicorn's sys.path once its settings are final: the apps' directory first, then each
// pythonpath entry in front of it.
bool extend_import_path(const web::AppRuntime& runtime, const std::string& directory) {
    python::WsgiSettings paths;
    paths.chdir = directory;
    for (const std::string& entry : runtime.pythonpath)
        paths.pythonpath = paths.pythonpath ? *paths.pythonpath + "," + entry : entry;
    auto extended = python::extend_import_path(paths);
    if (!extended) log::error("the apps' sys.path: {}", extended.error());
    return extended.ok();
}

}  // namespace

bool enter_app_interpreter(const web::MainConfig& config) {
    const web::AppRuntime& runtime = config.http.app_runtime;
    std::string directory = runtime.chdir.empty() ? config.prefix : runtime.chdir;
    if (::chdir(directory.c_str()) != 0) {
        log::error("chdir(\"{}\") for the apps failed ({}: {})", directory, errno,
                   std::strerror(errno));
        return false;
    }
    // Already running when the master read a wsgi_config (or preloaded the apps).
    if (python::interpreter_running()) return extend_import_path(runtime, directory);
    // Hosted (the master runs in python3), this only sets sys.path up in the worker.
    python::InterpreterOptions options;
    options.python_home = runtime.python_home;
    options.pythonpath = runtime.pythonpath;
    options.argv = {"strata"};
    auto started = python::start_interpreter(options);
    if (!started) log::error("the apps' Python did not start: {}", started.error());
    return started.ok();
}

Result<std::shared_ptr<gateway::App>, std::string> import_app(const web::AppMount& mount,
                                                              unsigned workers,
                                                              python::ServerHooks* hooks) {
    python::WsgiOptions options;
    options.threads = mount.threads;
    options.workers = workers;
    options.script_name = mount.root_path;
    if (hooks) {
        options.pre_request = hooks->pre_request_adapter();
        options.post_request = hooks->post_request_adapter();
    }
    auto loaded = python::load_app(mount.app, options);
    if (!loaded)
        return Err{fmt::format("wsgi_app \"{}\" in {}:{} failed to load: {}", mount.app,
                               mount.where.file, mount.where.line, loaded.error())};
    std::shared_ptr<gateway::App> app(std::move(loaded).value());
    return hooks ? hooks->observe(std::move(app)) : app;
}

Result<ImportedApps, std::string> preload_apps(const web::MainConfig& config,
                                               python::ServerHooks* hooks) {
    if (!enter_app_interpreter(config)) return Err{std::string("the apps' Python did not start")};
    ImportedApps apps;
    for (const web::AppMount* mount : web::app_mounts(config.http)) {
        if (apps.contains(mount->app)) continue;
        auto app = import_app(*mount, static_cast<unsigned>(config.worker_processes), hooks);
        if (!app) return Err{app.error()};
        apps.emplace(mount->app, std::move(app).value());
    }
    return apps;
}

}  // namespace strata::cli
