#include "strata/cli/wsgi_server_config.h"

#include <unistd.h>

#include <random>

#include <fmt/core.h>

#include "strata/base/log.h"
#include "strata/python/app_loader.h"
#include "strata/python/interpreter.h"

namespace strata::cli {
namespace {

Result<std::vector<process::Listen>, std::string> listeners(const python::WsgiSettings& settings) {
    auto binds = settings.addresses();
    if (!binds) return Err{binds.error()};
    std::vector<process::Listen> listen;
    for (const python::Bind& bind : *binds) {
        process::Listen l;
        l.options.backlog = static_cast<int>(settings.backlog);
        l.options.reuseport = settings.reuse_port;
        if (bind.kind == python::Bind::Kind::fd)
            return Err{fmt::format("fd://{}: binding inherited descriptors is not supported", bind.fd)};
        if (bind.kind == python::Bind::Kind::unix_socket) {
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
    return std::shared_ptr<gateway::App>(std::move(app).value());
}

// gunicorn's max_requests + randint(0, max_requests_jitter), per worker.
uint64_t jittered_max_requests(const python::WsgiSettings& settings) {
    if (settings.max_requests <= 0) return 0;
    uint64_t jitter = 0;
    if (settings.max_requests_jitter > 0) {
        std::mt19937_64 random(std::random_device{}() ^ static_cast<uint64_t>(::getpid()));
        jitter = random() % (static_cast<uint64_t>(settings.max_requests_jitter) + 1);
    }
    return static_cast<uint64_t>(settings.max_requests) + jitter;
}

gateway::AccessRecord access_record(const gateway::CompletedRequest& done) {
    gateway::AccessRecord record{done.request};
    record.status = done.status;
    record.response_headers = done.response_headers;
    record.body_bytes = done.body_bytes;
    record.start = done.arrived;
    record.duration = done.duration;
    record.error_path = done.status == 500 && done.response_headers == nullptr;
    return record;
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
    if (s.pidfile) c.pid_file = *s.pidfile;
    c.daemon = s.daemon;
    gateway::AccessLog* access = server.access_log.get();
    if (access && access->enabled())
        c.on_complete = [access](const gateway::CompletedRequest& done) {
            access->log(access_record(done));
        };
    c.reopen_logs = [access] {
        log::reopen();
        if (access) access->reopen();
    };
    c.max_requests_for_worker = [&s] { return jittered_max_requests(s); };
    WsgiServer* self = &server;
    c.load_app = [self]() -> Result<std::shared_ptr<gateway::App>, std::string> {
        if (self->preloaded) return self->preloaded;
        return import_app(*self);
    };
}

}  // namespace

Result<python::WsgiSettings, CommandLineExit> settings_with_config_file(const WsgiCommandLine& line) {
    if (!line.config_file) return line.settings;
    // The config file is Python, run by the embedded interpreter.
    return Err{CommandLineExit{1, fmt::format("Error: config file {} not supported yet\n", *line.config_file), true}};
}

Result<std::unique_ptr<WsgiServer>, std::string> build_wsgi_server(
    const python::WsgiSettings& settings, const std::string& app_module) {
    auto listen = listeners(settings);
    if (!listen) return Err{listen.error()};
    auto server = std::make_unique<WsgiServer>();
    server->settings = settings;
    server->app_module = app_module;
    server->wsgi.threads = static_cast<unsigned>(std::max<int64_t>(settings.threads, 1));
    server->wsgi.workers = static_cast<unsigned>(settings.workers);
    server->wsgi.script_name = settings.script_name();
    if (settings.accesslog) {
        server->access_log = std::make_unique<gateway::AccessLog>(settings.access_log_format,
                                                                  *settings.accesslog);
        if (!server->access_log->error().empty()) return Err{server->access_log->error()};
    }
    fill_config(*server, std::move(listen).value());
    if (settings.preload_app) {
        auto app = import_app(*server);
        if (!app) return Err{app.error()};
        server->preloaded = std::move(app).value();
        server->config.pre_fork = [](unsigned) { python::before_fork(); };
        server->config.after_fork_in_parent = [] { python::after_fork_in_parent(); };
        server->config.post_fork = [](const process::WorkerContext&) { python::after_fork_in_child(); };
    }
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
