#include "strata/cli/front_apps.h"

#include "strata/base/log.h"

namespace strata::cli {

FrontApps::FrontApps(const web::MainConfig& config, net::EventLoop& loop,
                     python::ServerHooks* hooks, const ImportedApps* preloaded)
    : hooks_(hooks), preloaded_(preloaded) {
    std::vector<const web::AppMount*> mounts = web::app_mounts(config.http);
    if (mounts.empty() || !enter_app_interpreter(config)) return;
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

gateway::App* FrontApps::app_for(const web::AppMount& mount, unsigned workers) {
    auto known = apps_.find(mount.app);
    if (known != apps_.end()) return known->second.get();
    if (preloaded_ != nullptr) {
        if (auto preloaded = preloaded_->find(mount.app); preloaded != preloaded_->end())
            return apps_.emplace(mount.app, preloaded->second).first->second.get();
    }
    auto imported = import_app(mount, workers, hooks_);
    if (!imported) {
        log::error("{}", imported.error());
        return nullptr;
    }
    return apps_.emplace(mount.app, std::move(imported).value()).first->second.get();
}

}  // namespace strata::cli
