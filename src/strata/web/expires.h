// nginx's `expires`: an Expires date and a matching Cache-Control for the response.
#pragma once

#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "strata/http/request_head.h"

namespace strata::web {

struct ExpiresHeaders {
    std::string expires;        // empty: no header
    std::string cache_control;  // empty: no header
};

// `setting` as written: "off", "epoch", "max", "30d", "-1", "1h 30m", "modified 1h".
// `now` and `last_modified` in seconds. Unknown forms give no headers.
ExpiresHeaders expires_headers(std::string_view setting, std::time_t now,
                               std::time_t last_modified);

// nginx applies expires to these statuses only.
bool expires_applies(int status);

}  // namespace strata::web
