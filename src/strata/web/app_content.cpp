#include "strata/web/app_content.h"

#include "strata/web/deferred_response.h"
#include "strata/web/front_handler.h"
#include "strata/web/request_error_log.h"

namespace strata::web {
namespace {

void collect_mounts(const std::vector<LocationConfig>& locations,
                    std::vector<const AppMount*>& out) {
    for (const LocationConfig& l : locations) {
        if (l.app) out.push_back(&*l.app);
        collect_mounts(l.children, out);
    }
}

}  // namespace

std::vector<const AppMount*> app_mounts(const HttpConfig& http) {
    std::vector<const AppMount*> out;
    for (const ServerConfig& s : http.servers)
        collect_mounts(s.locations, out);
    return out;
}

// An app the worker could not start answers as nginx does for an upstream it cannot
// reach: 502, with the reason in the error log.
void serve_app(RequestContext& ctx) {
    const AppMount& mount = *ctx.location->app;
    auto handler = ctx.apps ? ctx.apps->find(&mount) : MountedApps::const_iterator();
    if (!ctx.apps || handler == ctx.apps->end()) {
        log_request(ctx, log::Level::error, "app \"" + mount.app + "\" is not running");
        return answer_with_error_page(ctx, 502);
    }
    DeferredResponse& response = DeferredResponse::start(ctx, mount.intercept_errors);
    response.time_as_upstream(mount.app);
    handler->second->handle(response);
}

}  // namespace strata::web
