// The apps a front-server configuration mounts with wsgi_app, started in each worker:
// one interpreter (wsgi_python_home, wsgi_chdir, wsgi_pythonpath), each app imported once,
// and one gateway::AppHandler per mount on the worker's event loop, with its own app
// threads. The loop thread hands requests to them and never runs app code.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "strata/cli/app_import.h"
#include "strata/gateway/app_handler.h"
#include "strata/net/event_loop.h"
#include "strata/python/hooks.h"
#include "strata/web/http_config.h"
#include "strata/web/mounted_apps.h"

namespace strata::cli {

// Loads a mount's app in the worker (or hands out the one the master preloaded).
using AppLoader =
    std::function<Result<std::shared_ptr<gateway::App>, std::string>(const web::AppMount&)>;

// The front server's loader: the apps' interpreter is entered first (enter_app_interpreter);
// `hooks` (wsgi_config's, or null) sees each app request (pre_request, post_request);
// `preloaded` (preload_app, or null): apps the master imported, used as they are.
AppLoader front_app_loader(const web::MainConfig& config, python::ServerHooks* hooks,
                           const ImportedApps* preloaded);

class FrontApps {
  public:
    // Starts what `config` mounts, with `load`; each handler gets `handler` with the
    // mount's threads and SCRIPT_NAME and the runtime's thread priority. An app that
    // cannot be loaded is logged with its traceback and left out: its locations answer
    // 502, the rest of the site is served.
    FrontApps(const web::MainConfig& config, net::EventLoop& loop, const AppLoader& load,
              gateway::AppHandlerOptions handler = {});
    // Stops the app threads (each finishes the request in hand), then the apps.
    ~FrontApps();
    FrontApps(const FrontApps&) = delete;
    FrontApps& operator=(const FrontApps&) = delete;

    const web::MountedApps& handlers() const { return mounted_; }
    bool empty() const { return handlers_.empty(); }
    // The handler when the configuration mounts one app (`strata wsgi`'s); null otherwise.
    net::HttpHandler* only_handler() const {
        return handlers_.size() == 1 ? handlers_.front().get() : nullptr;
    }
    // App requests queued or running.
    size_t in_flight() const;
    // The longest app call in progress: what a worker timeout would watch.
    std::chrono::milliseconds longest_busy() const;
    // Called on the loop thread after each app response (gunicorn's max_requests counts
    // these); set before serving.
    void on_request_done(std::function<void()> done) { request_done_ = std::move(done); }

  private:
    gateway::App* app_for(const web::AppMount& mount, const AppLoader& load);

    std::function<void()> request_done_;
    ImportedApps apps_;
    std::vector<std::unique_ptr<gateway::AppHandler>> handlers_;
    web::MountedApps mounted_;
};

}  // namespace strata::cli
