// The handlers of the apps the configuration mounts (wsgi_app), started by each worker
// before it serves, by mount (the frozen configuration's own AppMount): a request finds
// its handler with no key to build. Mounts with the same AppMount::key() share one. The front
// server hands an app location's requests to its handler and never runs app code itself.
#pragma once

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "strata/net/http_exchange.h"
#include "strata/web/http_config.h"

namespace strata::web {

using MountedApps = std::unordered_map<const AppMount*, net::HttpHandler*>;

// Every location's mount, nested ones included, in configuration order.
std::vector<const AppMount*> app_mounts(const HttpConfig& http);

}  // namespace strata::web
