// One worker process of the front server: an event loop serving the configuration's
// servers on the sockets the master bound, until the master says stop. Both ways in run
// it: nginx.conf, and `strata wsgi`'s gunicorn flags (cli/wsgi_front_config.h).
#pragma once

#include <memory>

#include "strata/cli/app_import.h"
#include "strata/gateway/app_server.h"
#include "strata/process/worker.h"
#include "strata/python/hooks.h"
#include "strata/web/http_config.h"

namespace strata::cli {

struct FrontWorkerPlan {
    std::shared_ptr<const web::MainConfig> config;
    // wsgi_config's hooks (null without one), called at a worker's moments
    // (cli/front_hooks.h).
    python::ServerHooks* hooks = nullptr;
    const ImportedApps* preloaded = nullptr;  // preload_app: the apps the master imported
    // `strata wsgi`: gunicorn's flags beyond what `config` says (its one app mounted at
    // `/` on every bind). Every address then speaks gunicorn: each request goes straight
    // to the app, with gunicorn's limits, error pages, TLS, access log, --reload and
    // --max-requests, and this config's hooks and app loading in place of the two above.
    const gateway::AppServerConfig* gunicorn = nullptr;
};

int run_front_worker(const FrontWorkerPlan& plan, process::WorkerContext& worker);

}  // namespace strata::cli
