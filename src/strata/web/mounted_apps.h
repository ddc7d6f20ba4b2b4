// The handlers of the apps the configuration mounts (wsgi_app), started by each worker
// before it serves, by AppMount::key(). The front server hands an app location's
// requests to its handler and never runs app code itself.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "strata/net/http_exchange.h"
#include "strata/web/http_config.h"

namespace strata::web {

using MountedApps = std::map<std::string, net::HttpHandler*, std::less<>>;

// Every location's mount, nested ones included, in configuration order.
std::vector<const AppMount*> app_mounts(const HttpConfig& http);

}  // namespace strata::web
