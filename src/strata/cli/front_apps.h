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

class FrontApps {
  public:
    // Starts what `config` mounts. An app that cannot be imported is logged with its
    // traceback and left out: its locations answer 502, the rest of the site is served.
    // `hooks` (wsgi_config's, or null) sees each app request (pre_request, post_request).
    // `preloaded` (preload_app, or null): apps the master imported, used as they are.
    FrontApps(const web::MainConfig& config, net::EventLoop& loop, python::ServerHooks* hooks,
              const ImportedApps* preloaded);
    // Stops the app threads (each finishes the request in hand), then the apps.
    ~FrontApps();
    FrontApps(const FrontApps&) = delete;
    FrontApps& operator=(const FrontApps&) = delete;

    const web::MountedApps& handlers() const { return mounted_; }
    bool empty() const { return handlers_.empty(); }
    // The longest app call in progress: what a worker timeout would watch.
    std::chrono::milliseconds longest_busy() const;
    // Called on the loop thread after each app response (gunicorn's max_requests counts
    // these); set before serving.
    void on_request_done(std::function<void()> done) { request_done_ = std::move(done); }

  private:
    gateway::App* app_for(const web::AppMount& mount, unsigned workers);

    python::ServerHooks* hooks_;
    const ImportedApps* preloaded_;
    std::function<void()> request_done_;
    ImportedApps apps_;
    std::vector<std::unique_ptr<gateway::AppHandler>> handlers_;
    web::MountedApps mounted_;
};

}  // namespace strata::cli
