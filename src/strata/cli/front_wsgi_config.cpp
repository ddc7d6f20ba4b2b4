#include "strata/cli/front_wsgi_config.h"

#include <unistd.h>

#include <fmt/core.h>

#include "strata/cli/wsgi_config_settings.h"
#include "strata/python/config_file.h"
#include "strata/python/interpreter.h"
#include "strata/web/mounted_apps.h"

namespace strata::cli {
namespace {

// gunicorn's stderr text, trimmed and without its runs of blank lines, after nginx's
// "… in FILE:LINE" for the directive.
std::string failure(const web::AppRuntime& runtime, const std::string& gunicorn_text) {
    std::string text;
    for (char c : gunicorn_text)
        if (c != '\n' || (!text.empty() && text.back() != '\n')) text += c;
    while (!text.empty() && text.back() == '\n')
        text.pop_back();
    return fmt::format("wsgi_config \"{}\" failed in {}:{}: {}", runtime.config_file,
                       runtime.config_where.file, runtime.config_where.line, text);
}

// As gunicorn reads its -c file: before --pythonpath is applied (the workers add it).
Result<std::monostate, std::string> start_python(const web::AppRuntime& runtime) {
    if (python::interpreter_running()) return std::monostate{};
    python::InterpreterOptions options;
    options.python_home = runtime.python_home;
    options.argv = {"strata"};
    return python::start_interpreter(options);
}

// server.cfg as the hooks see it: the file's settings with what the nginx configuration
// decided in their place.
python::WsgiSettings effective_settings(python::WsgiSettings settings,
                                        const web::MainConfig& main) {
    settings.workers = main.worker_processes;
    settings.timeout = static_cast<int64_t>(main.http.app_runtime.timeout_ms / 1000);
    settings.max_requests = static_cast<int64_t>(main.http.app_runtime.max_requests);
    return settings;
}

std::string first_app(const web::MainConfig& main) {
    std::vector<const web::AppMount*> mounts = web::app_mounts(main.http);
    return mounts.empty() ? std::string() : mounts.front()->app;
}

}  // namespace

Result<std::shared_ptr<FrontWsgiConfig>, std::string> read_wsgi_config(web::MainConfig& main) {
    const web::AppRuntime& runtime = main.http.app_runtime;
    if (runtime.config_file.empty()) return std::shared_ptr<FrontWsgiConfig>();
    if (auto started = start_python(runtime); !started)
        return Err{failure(runtime, "Error: " + started.error())};
    auto defaults = python::WsgiSettings::defaults(python::environment_from(environ));
    if (!defaults) return Err{failure(runtime, "Error: " + defaults.error())};
    auto loaded = python::load_config_file(runtime.config_file, std::move(defaults).value());
    if (!loaded) return Err{failure(runtime, loaded.error())};
    if (auto env = loaded->settings.env(); !env)
        return Err{failure(runtime, "Error: " + env.error())};
    auto file = std::make_shared<FrontWsgiConfig>();
    file->ignored = apply_wsgi_config_settings(loaded->settings, main);
    file->warnings = std::move(loaded->warnings);
    file->preload_app = loaded->settings.preload_app;
    file->hooks = std::move(loaded->hooks);
    if (auto exported = python::export_raw_env(loaded->settings); !exported)
        return Err{failure(runtime, "Error: " + exported.error())};
    auto prepared = file->hooks->prepare(effective_settings(std::move(loaded->settings), main),
                                         first_app(main));
    if (!prepared) return Err{failure(runtime, "Error: " + prepared.error())};
    return file;
}

std::string ignored_settings_message(const FrontWsgiConfig& file, const web::AppRuntime& runtime) {
    if (file.ignored.empty()) return {};
    std::string names;
    for (const std::string& name : file.ignored)
        names += (names.empty() ? "" : ", ") + name;
    return fmt::format(
        "wsgi_config \"{}\" sets {}, which the nginx configuration decides: ignored in {}:{}",
        runtime.config_file, names, runtime.config_where.file, runtime.config_where.line);
}

}  // namespace strata::cli
