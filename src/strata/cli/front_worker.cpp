#include "strata/cli/front_worker.h"

#include "strata/base/log.h"
#include "strata/net/event_loop.h"
#include "strata/net/http_server.h"
#include "strata/process/http_worker.h"
#include "strata/web/access_log.h"
#include "strata/web/front_handler.h"

namespace strata::cli {
namespace {

// Connection-level settings come from the http level; per-server values apply in the
// handler.
net::HttpOptions connection_options(const web::MainConfig& config) {
    const web::LocationSettings& http = config.http.settings;
    net::HttpOptions o;
    o.worker_connections = static_cast<uint64_t>(config.worker_connections);
    o.keepalive_timeout_ms = *http.keepalive_timeout_ms;
    o.keepalive_requests = *http.keepalive_requests;
    o.send_timeout_ms = *http.send_timeout_ms;
    o.client_body_timeout_ms = *http.client_body_timeout_ms;
    o.parser.limits.body =
        *http.client_max_body_size == 0 ? http::kUnlimitedBody : *http.client_max_body_size;
    if (!config.http.servers.empty())
        o.client_header_timeout_ms = config.http.servers.front().client_header_timeout_ms;
    if (!*http.server_tokens) o.server_token = std::string(kProductName);
    return o;
}

}  // namespace

int run_front_worker(std::shared_ptr<const web::MainConfig> config,
                     process::WorkerContext& worker) {
    net::EventLoop loop;
    web::AccessLog access_log(*config);
    web::FrontHandler handler(config, &access_log);
    net::HttpServer server(loop, handler, connection_options(*config));
    process::HttpWorkerOptions options;
    options.reopen_logs = [&access_log] {  // USR1, after the files were moved away
        log::reopen();
        access_log.reopen();
    };
    return process::serve_http_worker(loop, server, worker, std::move(options));
}

}  // namespace strata::cli
