#include "strata/cli/wsgi_front_config.h"

#include <unistd.h>

#include <algorithm>

namespace strata::cli {
namespace {

std::string working_directory() {
    char buffer[4096];
    const char* cwd = ::getcwd(buffer, sizeof buffer);
    std::string directory = cwd ? cwd : ".";
    return directory.back() == '/' ? directory : directory + "/";
}

web::ListenConfig listen_of(const process::Listen& bind) {
    web::ListenConfig listen;
    listen.address = bind.address;
    listen.options = bind.options;
    listen.text = net::describe(bind.address);
    return listen;
}

// `location / { wsgi_app APP; wsgi_threads N; wsgi_root_path SCRIPT_NAME; }`
web::LocationConfig app_location(const python::WsgiSettings& settings,
                                 const std::string& app_module,
                                 const web::LocationSettings& server) {
    web::LocationConfig location;
    location.pattern.uri = "/";
    location.settings = server;
    web::AppMount mount;
    mount.app = app_module;
    mount.root_path = settings.script_name();
    mount.threads = static_cast<unsigned>(std::max<int64_t>(settings.threads, 1));
    mount.threads_set = true;
    location.app = std::move(mount);
    return location;
}

web::AppRuntime app_runtime(const python::WsgiSettings& settings) {
    web::AppRuntime runtime;
    runtime.python_home = settings.python_home.value_or("");
    runtime.chdir = settings.chdir;
    runtime.pythonpath = settings.python_paths();
    runtime.timeout_ms = static_cast<uint64_t>(std::max<int64_t>(settings.timeout, 0)) * 1000;
    runtime.max_requests = static_cast<uint64_t>(std::max<int64_t>(settings.max_requests, 0));
    runtime.max_requests_jitter =
        static_cast<uint64_t>(std::max<int64_t>(settings.max_requests_jitter, 0));
    runtime.timeout_set = runtime.max_requests_set = true;
    runtime.thread_priority = std::nullopt;  // gunicorn's threads run at the worker's
    return runtime;
}

}  // namespace

std::shared_ptr<const web::MainConfig> front_config_of(const python::WsgiSettings& settings,
                                                       const std::string& app_module,
                                                       const std::vector<process::Listen>& binds) {
    auto main = std::make_shared<web::MainConfig>();
    main->worker_processes = static_cast<int>(settings.workers);
    main->daemon = settings.daemon;
    main->pid_file = settings.pidfile.value_or("");
    main->prefix = main->conf_prefix = working_directory();
    web::HttpConfig& http = main->http;
    web::apply_defaults(http.settings);
    http.app_runtime = app_runtime(settings);
    web::ServerConfig server;
    server.settings = http.settings;
    for (const process::Listen& bind : binds)
        server.listens.push_back(listen_of(bind));
    if (!server.listens.empty()) server.listens.front().default_server = true;
    server.locations.push_back(app_location(settings, app_module, server.settings));
    http.servers.push_back(std::move(server));
    return main;
}

}  // namespace strata::cli
