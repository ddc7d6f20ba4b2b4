#include "strata/cli/wsgi_server_config.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include <fmt/core.h>

#include "strata/base/log.h"
#include "strata/cli/front_worker.h"
#include "strata/cli/hook_failures.h"
#include "strata/cli/max_requests_jitter.h"
#include "strata/cli/wsgi_front_config.h"
#include "strata/cli/wsgi_tls.h"
#include "strata/process/master.h"
#include "strata/python/app_loader.h"
#include "strata/python/config_file.h"
#include "strata/python/interpreter.h"
#include "strata/python/module_files.h"

// With a config file (or --preload) the interpreter runs in the master until it exits, and
// is never finalized (workers leave with _exit): under LeakSanitizer what libpython
// allocated would be reported as leaked at exit, and the exit status changed. Read by
// LeakSanitizer at start-up (quietly: stderr is gunicorn's); unused in other builds.
extern "C" const char* __lsan_default_suppressions() {
    return "leak:libpython3.11.so\n"
           "leak:libcrypto.so\n";
}
extern "C" const char* __lsan_default_options() {
    return "print_suppressions=0";
}

namespace strata::cli {
namespace {

// The config file's hooks, from settings_with_config_file() to build_wsgi_server(): the
// command line hands the second only the settings. Python objects of the process's one
// interpreter.
std::shared_ptr<python::ServerHooks> g_config_file_hooks;

Result<std::vector<process::Listen>, std::string> listeners(const python::WsgiSettings& settings) {
    auto binds = settings.addresses();
    if (!binds) return Err{binds.error()};
    std::vector<process::Listen> listen;
    for (const python::Bind& bind : *binds) {
        process::Listen l;
        l.options.backlog = static_cast<int>(settings.backlog);
        l.options.reuseport = settings.reuse_port;
        if (bind.kind == python::Bind::Kind::fd) {
            l.address.inherited_fd = static_cast<int>(bind.fd);
        } else if (bind.kind == python::Bind::Kind::unix_socket) {
            l.address.unix_path = bind.path;
        } else {
            l.address.host = bind.host.empty() ? "0.0.0.0" : bind.host;
            l.address.port = static_cast<uint16_t>(bind.port);
            l.options.ipv6only = true;
        }
        listen.push_back(std::move(l));
    }
    return listen;
}

http::Limits request_limits(const python::WsgiSettings& settings) {
    http::Limits limits = http::Limits::gunicorn();
    int64_t line = settings.effective_limit_request_line();
    limits.request_line = line == 0 ? SIZE_MAX : static_cast<size_t>(line);
    limits.fields = static_cast<size_t>(settings.effective_limit_request_fields());
    // gunicorn counts a field line without its CRLF.
    limits.field_line = static_cast<size_t>(settings.effective_limit_request_field_size()) + 2;
    return limits;
}

python::InterpreterOptions interpreter_options(const python::WsgiSettings& settings) {
    python::InterpreterOptions o;
    if (settings.python_home) o.python_home = *settings.python_home;
    o.pythonpath = settings.python_paths();
    o.argv = {"strata"};
    return o;
}

// Starts Python if this process has not yet, then imports the app.
Result<std::shared_ptr<gateway::App>, std::string> import_app(const WsgiServer& server) {
    if (!python::interpreter_running()) {
        auto started = python::start_interpreter(interpreter_options(server.settings));
        if (!started) return Err{started.error()};
    }
    auto app = python::load_app(server.app_module, server.wsgi);
    if (!app) return Err{app.error()};
    std::shared_ptr<gateway::App> loaded(std::move(app).value());
    if (server.hooks) return server.hooks->observe(std::move(loaded));
    return loaded;
}

void fill_config(WsgiServer& server, std::vector<process::Listen> listen) {
    const python::WsgiSettings& s = server.settings;
    gateway::AppServerConfig& c = server.config;
    c.listen = std::move(listen);
    c.workers = static_cast<unsigned>(s.workers);
    c.threads = static_cast<unsigned>(std::max<int64_t>(s.threads, 1));
    c.timeout = std::chrono::seconds(s.timeout);
    c.graceful_timeout = std::chrono::seconds(s.graceful_timeout);
    c.keepalive = std::chrono::seconds(s.keepalive);
    c.limits = request_limits(s);
    c.request.script_name = s.script_name();
    c.request.forwarded_allow_ips = s.forwarded_allow_ips;
    c.request.secure_scheme_headers.assign(s.secure_scheme_headers.begin(),
                                           s.secure_scheme_headers.end());
    c.request.https_variable = false;  // gunicorn's environ has no HTTPS
    if (s.pidfile) c.pid_file = *s.pidfile;
    c.daemon = s.daemon;
    gateway::AccessLog* access = server.access_log.get();
    if (access && access->enabled())
        c.on_complete = [access](const gateway::AccessRecord& done) { access->log(done); };
    c.reopen_logs = [access] {
        log::reopen();
        if (access) access->reopen();
    };
    c.max_requests_for_worker = [&s] {
        return jittered_max_requests(
            static_cast<uint64_t>(std::max<int64_t>(s.max_requests, 0)),
            static_cast<uint64_t>(std::max<int64_t>(s.max_requests_jitter, 0)));
    };
    if (s.reload)
        c.reload_files = [&s] {
            std::vector<std::string> files = python::imported_module_files();
            files.insert(files.end(), s.reload_extra_files.begin(), s.reload_extra_files.end());
            return files;
        };
    WsgiServer* self = &server;
    c.load_app = [self]() -> Result<std::shared_ptr<gateway::App>, std::string> {
        if (self->preloaded) return self->preloaded;
        return import_app(*self);
    };
    // One code path with nginx.conf's apps: the flags' configuration, the front worker.
    server.front = front_config_of(s, server.app_module, c.listen);
    c.run_worker = [self](process::WorkerContext& worker) {
        return run_front_worker({self->front, nullptr, nullptr, &self->config}, worker);
    };
}

// The hooks at the app server's moments, and the interpreter's fork protocol around
// every fork (Python runs in this process).
void install_hooks(gateway::AppServerConfig& c, python::ServerHooks* h) {
    c.on_starting = [h] {
        if (!h->on_starting()) abandon_start();
    };
    c.when_ready = [h] {
        if (!h->when_ready()) abandon_start();
    };
    c.on_reload = [h] { h->on_reload(); };
    c.nworkers_changed = [h](unsigned new_value, unsigned old_value) {
        h->nworkers_changed(new_value, old_value);
    };
    c.pre_fork = [h](unsigned) { h->pre_fork(); };
    c.after_fork_in_parent = [h] { h->after_fork_in_parent(); };
    c.child_exit = [h](pid_t pid, int wait_status) { h->child_exit(pid, wait_status); };
    c.on_exit = [h] { h->on_exit(); };
    c.before_exec_fork = [h] { h->before_exec_fork(); };
    c.after_exec_fork_in_parent = [h] { h->after_exec_fork_in_parent(); };
    c.pre_exec = [h] { return h->pre_exec(); };
    c.post_fork = [h](const process::WorkerContext&) {
        if (!h->post_fork()) abandon_worker(*h);
    };
    c.post_worker_init = [h] {
        if (!h->post_worker_init()) abandon_worker(*h);
    };
    c.worker_int = [h] { h->worker_int(); };
    c.worker_abort = [h] { h->worker_abort(); };
    c.worker_exit = [h] { h->worker_exit(); };
}

// The hooks' objects, and the request hooks handed to the WSGI bridge.
Result<std::monostate, std::string> prepare_hooks(WsgiServer& server) {
    auto prepared = server.hooks->prepare(server.settings, server.app_module);
    if (!prepared) return prepared;
    server.wsgi.pre_request = server.hooks->pre_request_adapter();
    server.wsgi.post_request = server.hooks->post_request_adapter();
    return std::monostate{};
}

}  // namespace

Result<python::WsgiSettings, CommandLineExit> settings_with_config_file(
    const WsgiCommandLine& line) {
    if (!line.config_file) return line.settings;
    if (!python::interpreter_running()) {
        // gunicorn reads the file before it applies --pythonpath: only the working
        // directory is on sys.path yet.
        python::InterpreterOptions options = interpreter_options(line.settings);
        options.pythonpath.clear();
        auto started = python::start_interpreter(options);
        if (!started)
            return Err{CommandLineExit{1, fmt::format("Error: {}\n", started.error()), true}};
    }
    auto loaded = python::load_config_file(*line.config_file, line.before_config_file);
    if (!loaded) return Err{CommandLineExit{1, loaded.error(), true}};
    if (!loaded->warnings.empty()) fmt::print(stderr, "{}", loaded->warnings);
    auto settings = apply_over_config_file(line, std::move(loaded->settings));
    if (!settings) return settings;
    auto extended = python::extend_import_path(*settings);
    if (extended) extended = python::export_raw_env(*settings);
    if (!extended)
        return Err{CommandLineExit{1, fmt::format("Error: {}\n", extended.error()), true}};
    g_config_file_hooks = std::move(loaded->hooks);
    return settings;
}

Result<std::unique_ptr<WsgiServer>, std::string> build_wsgi_server(
    const python::WsgiSettings& settings, const std::string& app_module) {
    auto listen = listeners(settings);
    if (!listen) return Err{listen.error()};
    auto tls = wsgi_tls_listener(settings);
    if (!tls) return Err{tls.error()};
    auto server = std::make_unique<WsgiServer>();
    server->settings = settings;
    server->app_module = app_module;
    server->wsgi.threads = static_cast<unsigned>(std::max<int64_t>(settings.threads, 1));
    server->wsgi.workers = static_cast<unsigned>(settings.workers);
    server->wsgi.script_name = settings.script_name();
    if (settings.accesslog) {
        server->access_log =
            std::make_unique<gateway::AccessLog>(settings.access_log_format, *settings.accesslog);
        if (!server->access_log->error().empty()) return Err{server->access_log->error()};
    }
    fill_config(*server, std::move(listen).value());
    server->config.tls = std::move(tls).value();
    server->hooks = g_config_file_hooks;
    // The fork protocol is needed whenever Python runs in the master: hosted, always.
    if (!server->hooks && (settings.preload_app || python::host_interpreter() != nullptr))
        server->hooks = std::make_shared<python::ServerHooks>();
    if (server->hooks) {
        auto prepared = prepare_hooks(*server);
        if (!prepared) return Err{prepared.error()};
    }
    if (settings.preload_app) {
        auto app = import_app(*server);
        if (!app) return Err{app.error()};
        server->preloaded = std::move(app).value();
    }
    if (server->hooks) install_hooks(server->config, server->hooks.get());
    return server;
}

bool check_app_loads(WsgiServer& server) {
    auto app = import_app(server);
    if (!app) {
        fmt::print(stderr, "{}\n", app.error());
        return false;
    }
    return true;
}

}  // namespace strata::cli
