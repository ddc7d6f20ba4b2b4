// `strata wsgi`'s gunicorn flags as the front server's configuration: the nginx.conf a
// user of the seed stack would write to mount the app on its binds with no proxy hop,
//
//     server { listen BIND; … location / { wsgi_app APP; wsgi_threads N; … } }
//
// with gunicorn's worker count, timeout, max_requests and Python paths as the http
// level's app settings. The front worker serves it (cli/front_worker.h); what the
// configuration has no words for (gunicorn's limits, error pages, access log, hooks)
// stays with the flags.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "strata/process/listener_set.h"
#include "strata/python/settings.h"
#include "strata/web/http_config.h"

namespace strata::cli {

std::shared_ptr<const web::MainConfig> front_config_of(const python::WsgiSettings& settings,
                                                       const std::string& app_module,
                                                       const std::vector<process::Listen>& binds);

}  // namespace strata::cli
