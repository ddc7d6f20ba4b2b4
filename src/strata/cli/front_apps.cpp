#include "strata/cli/front_apps.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "strata/base/log.h"
#include "strata/python/app_loader.h"
#include "strata/python/config_file.h"
#include "strata/python/interpreter.h"

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

FrontApps::FrontApps(const web::MainConfig& config, net::EventLoop& loop,
                     python::ServerHooks* hooks)
    : hooks_(hooks) {
    std::vector<const web::AppMount*> mounts = web::app_mounts(config.http);
    if (mounts.empty() || !start_interpreter(config)) return;
    // As in `strata wsgi`'s workers: with the app threads, the loop thread runs
    // SCHED_BATCH, so handing a request over on a shared core does not switch threads
    // at once, one request at a time (see gateway/app_handler.cpp).
    gateway::run_as_batch_thread();
    std::map<std::string, net::HttpHandler*> by_key;  // mounts alike share a handler
    for (const web::AppMount* mount : mounts) {
        if (auto same = by_key.find(mount->key()); same != by_key.end()) {
            mounted_.emplace(mount, same->second);
            continue;
        }
        gateway::App* app = app_for(*mount, static_cast<unsigned>(config.worker_processes));
        if (!app) continue;
        gateway::AppHandlerOptions options;
        options.threads = mount->threads;
        options.thread_priority = config.http.app_runtime.thread_priority;
        options.request.script_name = mount->root_path;
        options.on_complete = [this](const gateway::AccessRecord&) {
            if (request_done_) request_done_();
        };
        handlers_.push_back(std::make_unique<gateway::AppHandler>(loop, *app, options));
        by_key.emplace(mount->key(), handlers_.back().get());
        mounted_.emplace(mount, handlers_.back().get());
    }
}

FrontApps::~FrontApps() {
    handlers_.clear();  // joins the app threads first: they use the apps
    apps_.clear();
}

std::chrono::milliseconds FrontApps::longest_busy() const {
    std::chrono::milliseconds longest{0};
    for (const auto& handler : handlers_)
        longest = std::max(longest, handler->longest_busy());
    return longest;
}

// gunicorn's order: change directory, then start Python with it first on sys.path.
bool FrontApps::start_interpreter(const web::MainConfig& config) {
    const web::AppRuntime& runtime = config.http.app_runtime;
    std::string directory = runtime.chdir.empty() ? config.prefix : runtime.chdir;
    if (::chdir(directory.c_str()) != 0) {
        log::error("chdir(\"{}\") for the apps failed ({}: {})", directory, errno,
                   std::strerror(errno));
        return false;
    }
    // Already running when the master read a wsgi_config: its sys.path gets what the
    // interpreter's start would have put there.
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

gateway::App* FrontApps::app_for(const web::AppMount& mount, unsigned workers) {
    auto known = apps_.find(mount.app);
    if (known != apps_.end()) return known->second.get();
    python::WsgiOptions options;
    options.threads = mount.threads;
    options.workers = workers;
    options.script_name = mount.root_path;
    if (hooks_) {
        options.pre_request = hooks_->pre_request_adapter();
        options.post_request = hooks_->post_request_adapter();
    }
    auto loaded = python::load_app(mount.app, options);
    if (!loaded) {
        log::error("wsgi_app \"{}\" in {}:{} failed to load: {}", mount.app, mount.where.file,
                   mount.where.line, loaded.error());
        return nullptr;
    }
    std::shared_ptr<gateway::App> app(std::move(loaded).value());
    if (hooks_) app = hooks_->observe(std::move(app));
    return apps_.emplace(mount.app, std::move(app)).first->second.get();
}

}  // namespace strata::cli
