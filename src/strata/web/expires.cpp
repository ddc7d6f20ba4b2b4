#include "strata/web/expires.h"

#include "strata/base/http_date.h"
#include "strata/config/values.h"

namespace strata::web {

bool expires_applies(int status) {
    return status == 200 || status == 201 || status == 204 || status == 206 || status == 301 ||
           status == 302 || status == 303 || status == 304 || status == 307 || status == 308;
}

ExpiresHeaders expires_headers(std::string_view setting, std::time_t now,
                               std::time_t last_modified) {
    if (setting == "off") return {};
    if (setting == "epoch") return {"Thu, 01 Jan 1970 00:00:01 GMT", "no-cache"};
    if (setting == "max") return {"Thu, 31 Dec 2037 23:55:55 GMT", "max-age=315360000"};
    bool modified = setting.substr(0, 9) == "modified ";
    if (modified) setting.remove_prefix(9);
    bool negative = !setting.empty() && setting.front() == '-';
    if (negative || (!setting.empty() && setting.front() == '+')) setting.remove_prefix(1);
    auto seconds = config::time_value_seconds(setting);
    if (!seconds) return {};
    std::time_t delta = negative ? -*seconds : *seconds;
    std::time_t at = (modified ? last_modified : now) + delta;
    char date[kHttpDateLength];
    format_http_date(at, date);
    std::string cache = at <= now ? "no-cache" : "max-age=" + std::to_string(at - now);
    return {std::string(date, kHttpDateLength), cache};
}

}  // namespace strata::web
