#include "strata/web/app_config.h"

#include <cstdint>
#include <optional>
#include <string_view>

#include "strata/config/values.h"

namespace strata::web {
namespace {

using config::Directive;
using config::fail;
using config::Status;
using config::success;

// A nice value, as nginx's worker_priority takes it: -20 (first) to 19 (last).
std::optional<int> parse_priority(std::string_view text) {
    bool negative = !text.empty() && text.front() == '-';
    if (!text.empty() && (text.front() == '-' || text.front() == '+')) text.remove_prefix(1);
    std::optional<std::int64_t> magnitude = config::number_value(text);
    if (!magnitude) return std::nullopt;
    std::int64_t value = negative ? -*magnitude : *magnitude;
    if (value < -20 || value > 19) return std::nullopt;
    return static_cast<int>(value);
}

std::string absolute(const std::string& path, const std::string& prefix) {
    return !path.empty() && path.front() == '/' ? path : prefix + path;
}

// The mount the location's app settings go into; made by the first of them.
AppMount& mount_of(const Directive& d, LocationConfig& loc) {
    if (!loc.app) {
        loc.app.emplace();
        loc.app->where = d.where;
    }
    return *loc.app;
}

}  // namespace

bool is_app_location_directive(std::string_view name) {
    return name == "wsgi_app" || name == "wsgi_root_path" || name == "wsgi_threads" ||
           name == "wsgi_intercept_errors";
}

Status apply_app_location_directive(const Directive& d, LocationConfig& loc) {
    AppMount& mount = mount_of(d, loc);
    if (d.name == "wsgi_app") {
        mount.app = d.args[0];
        mount.where = d.where;
    } else if (d.name == "wsgi_root_path") {
        // gunicorn keeps SCRIPT_NAME without a final slash; "/" means the root.
        std::string path = d.args[0];
        if (path.empty() || path.front() != '/')
            return fail(d.where, "\"wsgi_root_path\" must start with \"/\"");
        while (!path.empty() && path.back() == '/')
            path.pop_back();
        mount.root_path = path;
    } else if (d.name == "wsgi_threads") {
        auto n = config::parse_number(d);
        if (!n) return Err{n.error()};
        if (n.value() < 1) return fail(d.where, "invalid value \"" + d.args[0] + "\"");
        mount.threads = static_cast<unsigned>(n.value());
        mount.threads_set = true;
    } else {
        auto on = config::parse_flag(d);
        if (!on) return Err{on.error()};
        mount.intercept_errors = on.value();
    }
    return success();
}

Status check_app_mount(const LocationConfig& loc) {
    if (loc.app && loc.app->app.empty())
        return fail(loc.app->where, "\"wsgi_app\" is missing in the location");
    return success();
}

bool is_app_runtime_directive(std::string_view name) {
    return name == "wsgi_python_home" || name == "wsgi_chdir" || name == "wsgi_pythonpath" ||
           name == "wsgi_timeout" || name == "wsgi_max_requests" || name == "wsgi_priority" ||
           name == "wsgi_config";
}

std::string config_file_location(const std::string& text, const std::string& prefix) {
    constexpr std::string_view kFile = "file:";
    if (text.starts_with("python:")) return text;
    if (text.starts_with(kFile))
        return std::string(kFile) + absolute(text.substr(kFile.size()), prefix);
    return absolute(text, prefix);
}

Status apply_app_runtime_directive(const Directive& d, AppRuntime& runtime,
                                   const std::string& prefix) {
    if (d.name == "wsgi_timeout") {
        auto ms = config::parse_time_ms(d);
        if (!ms) return Err{ms.error()};
        runtime.timeout_ms = static_cast<uint64_t>(ms.value());
        runtime.timeout_set = true;
    } else if (d.name == "wsgi_max_requests") {
        auto n = config::parse_number(d);
        if (!n) return Err{n.error()};
        runtime.max_requests = static_cast<uint64_t>(n.value());
        runtime.max_requests_set = true;
    } else if (d.name == "wsgi_priority") {
        auto nice = parse_priority(d.args[0]);
        if (!nice) return fail(d.where, "invalid number \"" + d.args[0] + "\"");
        runtime.thread_priority = *nice;
    } else if (d.name == "wsgi_config") {
        runtime.config_file = config_file_location(d.args[0], prefix);
        runtime.config_where = d.where;
    } else if (d.name == "wsgi_python_home")
        runtime.python_home = absolute(d.args[0], prefix);
    else if (d.name == "wsgi_chdir")
        runtime.chdir = absolute(d.args[0], prefix);
    else
        runtime.pythonpath.push_back(absolute(d.args[0], prefix));
    return success();
}

}  // namespace strata::web
