#include "strata/gateway/gunicorn_worker.h"

#include <cstdlib>

#include "strata/base/log.h"
#include "strata/gateway/request_builder.h"
#include "strata/process/heartbeat.h"

namespace strata::gateway {
namespace {

void call(const std::function<void()>& hook) {
    if (hook) hook();
}

}  // namespace

net::HttpOptions gunicorn_connection_options(const AppServerConfig& config) {
    net::HttpOptions o;
    o.parser.limits = config.limits;
    o.keepalive_timeout_ms = static_cast<uint64_t>(config.keepalive.count());
    o.body_memory_limit = config.body_memory_limit;
    o.error_pages = net::ErrorPages::gunicorn;
    if (const char* tmp = std::getenv("TMPDIR"); tmp && *tmp) o.body_temp_dir = tmp;
    return o;
}

void use_gunicorn_tls(net::HttpServer& server, const AppServerConfig& config, size_t listeners) {
    if (!config.tls) return;
    net::HttpOptions http = gunicorn_connection_options(config);
    for (size_t tag = 0; tag < listeners; ++tag) {
        net::RequestOptions request = net::request_options_of(http);
        server.set_listener_options(static_cast<int>(tag),
                                    net::ListenerOptions{http, std::move(request), config.tls});
    }
}

AppHandlerOptions gunicorn_handler_options(const AppServerConfig& config,
                                           const std::vector<int>& listen_fds,
                                           std::function<void(const AccessRecord&)> on_complete) {
    AppHandlerOptions options;
    options.threads = config.threads;
    options.request = config.request;
    for (int fd : listen_fds)
        options.request.listeners.push_back(listener_name(fd));
    options.on_complete = std::move(on_complete);
    return options;
}

uint64_t busy_since(std::chrono::milliseconds longest_busy) {
    auto busy = static_cast<uint64_t>(longest_busy.count());
    return busy == 0 ? 0 : process::monotonic_ms() - busy;
}

void Retirement::count() {
    if (limit_ == 0 || ++served_ != limit_ || !retire_) return;
    log::info("{}", message_);
    retire_();
}

process::HttpWorkerOptions gunicorn_worker_options(
    const AppServerConfig& config, std::function<std::chrono::milliseconds()> longest_busy,
    Retirement& retirement) {
    process::HttpWorkerOptions worker;
    worker.shutdown_timeout = config.graceful_timeout;
    worker.reopen_logs = config.reopen_logs;
    worker.busy_since = [longest_busy = std::move(longest_busy)] {
        return busy_since(longest_busy());
    };
    worker.on_fast_stop = config.worker_int;
    worker.on_abort = config.worker_abort ? config.worker_abort : [] {};
    worker.on_started = [&retirement](std::function<void()> retire) {
        retirement.set_retire(std::move(retire));
    };
    return worker;
}

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

}  // namespace strata::gateway
