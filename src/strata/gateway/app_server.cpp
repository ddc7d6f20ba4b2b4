#include "strata/gateway/app_server.h"

#include <unistd.h>

#include <cstdlib>

#include <fmt/core.h>

#include "strata/base/log.h"
#include "strata/base/version.h"
#include "strata/net/event_loop.h"
#include "strata/net/file_watch.h"
#include "strata/net/http_server.h"
#include "strata/process/heartbeat.h"
#include "strata/process/http_worker.h"
#include "strata/process/master.h"
#include "strata/process/messages.h"

namespace strata::gateway {
namespace {

net::HttpOptions connection_options(const AppServerConfig& config) {
    net::HttpOptions o;
    o.parser.limits = config.limits;
    o.keepalive_timeout_ms = static_cast<uint64_t>(config.keepalive.count());
    o.body_memory_limit = config.body_memory_limit;
    o.error_pages = net::ErrorPages::gunicorn;
    if (const char* tmp = std::getenv("TMPDIR"); tmp && *tmp) o.body_temp_dir = tmp;
    return o;
}

// gunicorn's TLS is the same on every listener. A plain HTTP request there fails the
// handshake and the connection closes, as gunicorn's ssl.wrap_socket does.
void use_tls(net::HttpServer& server, const AppServerConfig& config, size_t listeners) {
    if (!config.tls) return;
    net::HttpOptions http = connection_options(config);
    for (size_t tag = 0; tag < listeners; ++tag) {
        net::RequestOptions request = net::request_options_of(http);
        server.set_listener_options(static_cast<int>(tag),
                                    net::ListenerOptions{http, std::move(request), config.tls});
    }
}

void call(const std::function<void()>& hook) {
    if (hook) hook();
}

// gunicorn's --max-requests: after that many responses the worker finishes what it
// has and exits; the master starts a fresh one.
class Retirement {
  public:
    explicit Retirement(uint64_t limit) : limit_(limit) {}
    void set_retire(std::function<void()> retire) { retire_ = std::move(retire); }
    void retire_now() {
        if (retire_) retire_();
    }
    void count() {
        if (limit_ == 0 || ++served_ != limit_ || !retire_) return;
        log::info("Autorestarting worker after current request.");
        retire_();
    }

  private:
    uint64_t limit_;
    uint64_t served_ = 0;
    std::function<void()> retire_;
};

process::HttpWorkerOptions worker_options(const AppServerConfig& config, AppHandler& handler,
                                          Retirement& retirement) {
    process::HttpWorkerOptions worker;
    worker.shutdown_timeout = config.graceful_timeout;
    worker.reopen_logs = config.reopen_logs;
    worker.busy_since = [&handler] {
        auto busy = static_cast<uint64_t>(handler.longest_busy().count());
        return busy == 0 ? 0 : process::monotonic_ms() - busy;
    };
    worker.on_fast_stop = config.worker_int;
    worker.on_abort = config.worker_abort ? config.worker_abort : [] {};
    worker.on_started = [&retirement](std::function<void()> retire) {
        retirement.set_retire(std::move(retire));
    };
    return worker;
}

// gunicorn's reloader: the worker leaves on the first change, once.
std::unique_ptr<net::FileWatch> watch_for_reload(const AppServerConfig& config,
                                                 net::EventLoop& loop, Retirement& retirement) {
    if (!config.reload_files) return nullptr;
    auto reloading = std::make_shared<bool>(false);
    // gunicorn's worker also runs worker_int before it leaves for a reload.
    auto watch = std::make_unique<net::FileWatch>(
        loop, [&config, &retirement, reloading](const std::string& path) {
            if (*reloading) return;
            *reloading = true;
            log::info("Worker reloading: {} modified", path);
            call(config.worker_int);
            retirement.retire_now();
        });
    for (const std::string& file : config.reload_files())
        watch->add(file);
    return watch;
}

}  // namespace

int run_app_worker(const AppServerConfig& config, process::WorkerContext& context) {
    auto app = config.load_app();
    if (!app) {
        log::error("{}", app.error());
        return process::kWorkerBootFailed;
    }
    call(config.post_worker_init);
    net::EventLoop loop;
    run_as_batch_thread();
    Retirement retirement(config.max_requests_for_worker ? config.max_requests_for_worker() : 0);
    AppHandlerOptions options;
    options.threads = config.threads;
    options.request = config.request;
    for (int fd : context.listen_fds)
        options.request.listeners.push_back(listener_name(fd));
    options.on_complete = [&config, &retirement](const AccessRecord& done) {
        if (config.on_complete) config.on_complete(done);
        retirement.count();
    };
    auto handler = std::make_unique<AppHandler>(loop, **app, options);
    net::HttpServer server(loop, *handler, connection_options(config));
    use_tls(server, config, context.listen_fds.size());
    std::unique_ptr<net::FileWatch> watch = watch_for_reload(config, loop, retirement);
    int status = process::serve_http_worker(loop, server, context,
                                            worker_options(config, *handler, retirement));
    call(config.worker_exit);
    if (handler->in_flight() > 0) {
        // A fast stop with app calls still running: their threads cannot be joined.
        log::info("Worker exiting (pid: {}) with {} requests unfinished", ::getpid(),
                  handler->in_flight());
        std::_Exit(status);
    }
    return status;
}

namespace {

// gunicorn's "Listening at: http://127.0.0.1:8000 (pid)" address forms ("https://"
// with TLS).
std::string listen_url(const process::Listen& listen, bool tls) {
    const net::ListenAddress& a = listen.address;
    bool tcp = a.inherited_fd < 0 && a.unix_path.empty();
    std::string scheme = tls ? "https://" : "http://";
    return (tcp ? scheme : "") + net::describe(a);
}

}  // namespace

int run_app_server(const AppServerConfig& config) {
    log::info("Starting strata {}", kVersion);
    call(config.on_starting);  // after the line, as gunicorn's arbiter does
    process::MasterOptions options;
    options.signals = process::gunicorn_signals();
    options.messages = process::gunicorn_messages();
    options.upgrade = process::gunicorn_upgrade();  // USR2: GUNICORN_FD, "<pid>.2"
    options.worker_timeout = config.timeout;
    options.on_reload = config.on_reload;
    options.before_new_binary_fork = config.before_exec_fork;
    options.after_new_binary_fork_in_parent = config.after_exec_fork_in_parent;
    options.pre_exec = config.pre_exec;
    options.when_ready = [&config](const std::vector<int>&) {
        for (const process::Listen& listen : config.listen)
            log::info("Listening at: {} ({})", listen_url(listen, config.tls != nullptr),
                      ::getpid());
        log::info("Using worker: {}", config.threads > 1 ? "gthread" : "sync");
        call(config.when_ready);
    };
    options.pre_fork = config.pre_fork;
    options.after_fork_in_parent = config.after_fork_in_parent;
    options.post_fork = config.post_fork;
    options.child_exit = config.child_exit;
    options.nworkers_changed = config.nworkers_changed;
    options.on_exit = config.on_exit;
    options.pid_file = config.pid_file;
    options.daemon = config.daemon;
    options.graceful_timeout = config.graceful_timeout;
    options.reopen_logs = config.reopen_logs;
    options.load = [&config]() -> Result<process::Generation, std::string> {
        process::Generation generation;
        generation.listen = config.listen;
        generation.worker_processes = config.workers;
        generation.run_worker = [&config](process::WorkerContext& context) {
            return run_app_worker(config, context);
        };
        return generation;
    };
    return process::run_master(std::move(options));
}

}  // namespace strata::gateway
