#include "strata/cli/front_master_python.h"

#include <fmt/core.h>

#include "strata/base/log.h"

namespace strata::cli {

void warn_about_wsgi_config(const FrontConfig& loaded, bool on_stderr) {
    const FrontWsgiConfig& file = *loaded.wsgi_config;
    std::string ignored = ignored_settings_message(file, loaded.main->http.app_runtime);
    if (on_stderr) {
        fmt::print(stderr, "{}", file.warnings);
        if (!ignored.empty()) fmt::print(stderr, "strata: [warn] {}\n", ignored);
        return;
    }
    if (!file.warnings.empty()) log::warn("{}", file.warnings);
    if (!ignored.empty()) log::warn("{}", ignored);
}

bool start_wsgi_config(const FrontConfig& first, process::MasterOptions& options,
                       MasterPython& python) {
    const FrontWsgiConfig& file = *first.wsgi_config;
    warn_about_wsgi_config(first, false);
    python.hooks = std::make_shared<MasterHooks>(file.hooks);
    if (file.preload_app) {
        auto apps = preload_apps(*first.main, file.hooks.get());
        if (!apps) {
            log::alert("{}", apps.error());
            return false;
        }
        python.preloaded = std::make_shared<const ImportedApps>(std::move(apps).value());
    }
    if (!file.hooks->on_starting()) return false;  // gunicorn does not start either
    install_master_hooks(options, python.hooks);
    return true;
}

void reload_wsgi_config(const FrontConfig& loaded, const MasterPython& python) {
    if (loaded.wsgi_config) warn_about_wsgi_config(loaded, false);
    if (python.hooks && !python.preloaded)
        python.hooks->replace(loaded.wsgi_config ? loaded.wsgi_config->hooks : nullptr);
}

}  // namespace strata::cli
