#include "strata/cli/front_apps.h"

#include "strata/base/log.h"

namespace strata::cli {

AppLoader front_app_loader(const web::MainConfig& config, python::ServerHooks* hooks,
                           const ImportedApps* preloaded) {
    auto entered = std::make_shared<std::optional<bool>>();  // asked once, on first use
    unsigned workers = static_cast<unsigned>(config.worker_processes);
    return [&config, hooks, preloaded, entered, workers](
               const web::AppMount& mount) -> Result<std::shared_ptr<gateway::App>, std::string> {
        if (!*entered) *entered = enter_app_interpreter(config);
        if (!**entered) return Err{std::string()};  // said once, by enter_app_interpreter
        if (preloaded != nullptr) {
            if (auto found = preloaded->find(mount.app); found != preloaded->end())
                return found->second;
        }
        return import_app(mount, workers, hooks);
    };
}

FrontApps::FrontApps(const web::MainConfig& config, net::EventLoop& loop, const AppLoader& load,
                     gateway::AppHandlerOptions handler) {
    std::vector<const web::AppMount*> mounts = web::app_mounts(config.http);
    if (mounts.empty()) return;
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
        gateway::App* app = app_for(*mount, load);
        if (!app) continue;
        gateway::AppHandlerOptions options = handler;
        options.threads = mount->threads;
        options.thread_priority = config.http.app_runtime.thread_priority;
        options.request.script_name = mount->root_path;
        options.on_complete = [this, done = handler.on_complete](const gateway::AccessRecord& r) {
            if (done) done(r);
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

size_t FrontApps::in_flight() const {
    size_t jobs = 0;
    for (const auto& handler : handlers_)
        jobs += handler->in_flight();
    return jobs;
}

gateway::App* FrontApps::app_for(const web::AppMount& mount, const AppLoader& load) {
    auto known = apps_.find(mount.app);
    if (known != apps_.end()) return known->second.get();
    auto imported = load(mount);
    if (!imported) {
        if (!imported.error().empty()) log::error("{}", imported.error());
        return nullptr;
    }
    return apps_.emplace(mount.app, std::move(imported).value()).first->second.get();
}

}  // namespace strata::cli
