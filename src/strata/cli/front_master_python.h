// The master's side of a wsgi_config (cli/front_wsgi_config.h reads it): its warnings,
// preload_app, on_starting and the hooks at the master's moments at start, and the hooks
// a reload read taking over.
#pragma once

#include <memory>

#include "strata/cli/app_import.h"
#include "strata/cli/front_config.h"
#include "strata/cli/front_hooks.h"
#include "strata/process/master.h"

namespace strata::cli {

// What a wsgi_config made in the master: the hooks in force and, with preload_app, the
// apps imported at start.
struct MasterPython {
    std::shared_ptr<MasterHooks> hooks;
    std::shared_ptr<const ImportedApps> preloaded;
};

// gunicorn's warning block (a config file not named *.py) and the settings the nginx
// configuration decides: on stderr for -t, in the error log once serving.
void warn_about_wsgi_config(const FrontConfig& loaded, bool on_stderr);

// At start, with `first.wsgi_config` set: preload_app (before on_starting, as gunicorn's
// arbiter imports the app when it is made), on_starting, then the hooks on `options`.
// False: the start stops (said in the error log).
bool start_wsgi_config(const FrontConfig& first, process::MasterOptions& options,
                       MasterPython& python);

// A reload loaded `loaded`: its warnings, and its hooks take over from on_reload on
// (not with preload_app: the preloaded apps report their requests to the start's hooks).
void reload_wsgi_config(const FrontConfig& loaded, const MasterPython& python);

}  // namespace strata::cli
