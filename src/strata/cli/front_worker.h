// One worker process of the front server: an event loop serving the configuration's
// servers on the sockets the master bound, until the master says stop.
#pragma once

#include <memory>

#include "strata/cli/app_import.h"
#include "strata/process/worker.h"
#include "strata/python/hooks.h"
#include "strata/web/http_config.h"

namespace strata::cli {

// `hooks`: wsgi_config's (null without one), called at a worker's moments
// (cli/front_hooks.h). `preloaded`: the apps the master imported (preload_app), or null.
int run_front_worker(std::shared_ptr<const web::MainConfig> config, process::WorkerContext& worker,
                     python::ServerHooks* hooks, const ImportedApps* preloaded);

}  // namespace strata::cli
