#include "strata/cli/wsgi_config_settings.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "strata/python/hooks.h"

namespace strata::cli {
namespace {

// The settings that mean something for the apps here (raw_env: python/config_file.h
// exports it; preload_app: the master imports the apps); every hook is a setting too,
// called by python/hooks.h.
constexpr std::array<std::string_view, 9> kAppliedSettings{
    "threads", "timeout",     "max_requests", "max_requests_jitter", "chdir", "pythonpath",
    "raw_env", "preload_app", "config"};

bool applies_here(std::string_view name) {
    for (std::string_view applied : kAppliedSettings)
        if (name == applied) return true;
    return python::find_hook(name).has_value();
}

std::string absolute(const std::string& path, const std::string& base) {
    return !path.empty() && path.front() == '/' ? path : base + path;
}

std::string with_final_slash(std::string path) {
    if (path.empty() || path.back() != '/') path += '/';
    return path;
}

void default_threads(std::vector<web::LocationConfig>& locations, unsigned threads) {
    for (web::LocationConfig& location : locations) {
        if (location.app && !location.app->threads_set) location.app->threads = threads;
        default_threads(location.children, threads);
    }
}

void apply_limits(const python::WsgiSettings& file, web::AppRuntime& runtime) {
    if (file.was_set("timeout") && !runtime.timeout_set)
        runtime.timeout_ms = static_cast<uint64_t>(file.timeout) * 1000;
    if (runtime.max_requests_set) return;  // the jitter belongs to the file's limit
    if (file.was_set("max_requests"))
        runtime.max_requests = static_cast<uint64_t>(std::max<int64_t>(file.max_requests, 0));
    if (file.was_set("max_requests_jitter"))
        runtime.max_requests_jitter =
            static_cast<uint64_t>(std::max<int64_t>(file.max_requests_jitter, 0));
}

// gunicorn's chdir (made absolute when it was set, as gunicorn does), then its pythonpath
// entries made absolute against that directory.
void apply_paths(const python::WsgiSettings& file, web::AppRuntime& runtime,
                 const std::string& prefix) {
    if (file.was_set("chdir") && runtime.chdir.empty()) runtime.chdir = file.chdir;
    if (!file.was_set("pythonpath") || !runtime.pythonpath.empty()) return;
    std::string base = runtime.chdir.empty() ? prefix : with_final_slash(runtime.chdir);
    for (const std::string& entry : file.python_paths())
        runtime.pythonpath.push_back(absolute(entry, base));
}

}  // namespace

std::vector<std::string> apply_wsgi_config_settings(const python::WsgiSettings& file,
                                                    web::MainConfig& main) {
    if (file.was_set("threads") && file.threads > 0)
        for (web::ServerConfig& server : main.http.servers)
            default_threads(server.locations, static_cast<unsigned>(file.threads));
    apply_limits(file, main.http.app_runtime);
    apply_paths(file, main.http.app_runtime, main.prefix);
    std::vector<std::string> ignored;
    for (const python::SettingSpec& spec : python::setting_specs())
        if (file.was_set(spec.name) && !applies_here(spec.name)) ignored.emplace_back(spec.name);
    return ignored;
}

}  // namespace strata::cli
