#include "strata/config/detail/value_checks.h"

#include <algorithm>
#include <initializer_list>
#include <string_view>

#include "strata/config/values.h"

namespace strata::config::detail {
namespace {

template <class T>
Status as_status(const Result<T, ConfigError>& parsed) {
    if (!parsed) return Err{parsed.error()};
    return success();
}

// nginx's enum slots: the word must be one of `allowed`, else `invalid value "x"`.
Status check_one_of(const Directive& directive, std::initializer_list<std::string_view> allowed) {
    const std::string& value = directive.args.at(0);
    if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return success();
    return fail(directive.where, "invalid value \"" + value + "\"");
}

constexpr std::string_view kLogLevels[] = {"debug", "info", "notice", "warn",
                                           "error", "crit", "alert",  "emerg"};

bool is_log_level(std::string_view word) {
    return std::find(std::begin(kLogLevels), std::end(kLogLevels), word) != std::end(kLogLevels);
}

}  // namespace

Status check_number(const Directive& directive, const BlockFrame&) {
    return as_status(parse_number(directive));
}

Status check_size(const Directive& directive, const BlockFrame&) {
    return as_status(parse_size(directive));
}

Status check_offset(const Directive& directive, const BlockFrame&) {
    return as_status(parse_offset(directive));
}

Status check_time_ms(const Directive& directive, const BlockFrame&) {
    return as_status(parse_time_ms(directive));
}

// `keepalive_timeout timeout [header_timeout]`: the second is in seconds.
Status check_keepalive_timeout(const Directive& directive, const BlockFrame&) {
    auto timeout = parse_time_ms(directive, 0);
    if (!timeout || directive.args.size() < 2) return as_status(timeout);
    return as_status(parse_time_seconds(directive, 1));
}

Status check_worker_processes(const Directive& directive, const BlockFrame&) {
    if (directive.args.at(0) == "auto") return success();
    if (number_value(directive.args[0])) return success();
    return fail(directive.where, "\"worker_processes\" directive invalid value");
}

Status check_worker_connections(const Directive& directive, const BlockFrame&) {
    if (number_value(directive.args.at(0))) return success();
    return fail(directive.where, "invalid number \"" + directive.args[0] + "\"");
}

Status check_comp_level(const Directive& directive, const BlockFrame&) {
    auto level = parse_number(directive);
    if (!level) return Err{level.error()};
    if (*level >= 1 && *level <= 9) return success();
    return fail(directive.where, "value must be between 1 and 9");
}

Status check_gzip_http_version(const Directive& directive, const BlockFrame&) {
    return check_one_of(directive, {"1.0", "1.1"});
}

Status check_server_tokens(const Directive& directive, const BlockFrame&) {
    return check_one_of(directive, {"on", "off", "build"});
}

Status check_if_modified_since(const Directive& directive, const BlockFrame&) {
    return check_one_of(directive, {"off", "exact", "before"});
}

// `error_log file [level]`: one level at most.
Status check_error_log(const Directive& directive, const BlockFrame&) {
    for (std::size_t i = 1; i < directive.args.size(); ++i) {
        const std::string& word = directive.args[i];
        if (!is_log_level(word)) return fail(directive.where, "invalid log level \"" + word + "\"");
        if (i > 1) return fail(directive.where, "duplicate log level \"" + word + "\"");
    }
    return success();
}

// Format names are unique in an http block, and `combined` is predefined.
Status check_log_format(const Directive& directive, const BlockFrame& frame) {
    const std::string& name = directive.args.at(0);
    const bool taken =
        name == "combined" ||
        std::any_of(
            frame.directives->begin(), frame.directives->end(), [&](const Directive& other) {
                return other.name == "log_format" && !other.args.empty() && other.args[0] == name;
            });
    if (!taken) return success();
    return fail(directive.where, "duplicate \"log_format\" name \"" + name + "\"");
}

Status check_set(const Directive& directive, const BlockFrame&) {
    const std::string& target = directive.args.at(0);
    if (target.size() > 1 && target[0] == '$') return success();
    return fail(directive.where, "invalid variable name \"" + target + "\"");
}

Status check_proxy_http_version(const Directive& directive, const BlockFrame&) {
    return check_one_of(directive, {"1.0", "1.1"});
}

// A bitmask slot: every word must be a known condition, else `invalid value "x"`.
Status check_proxy_next_upstream(const Directive& directive, const BlockFrame&) {
    static constexpr std::string_view kConditions[] = {
        "error",    "timeout",  "invalid_header", "http_500", "http_502",       "http_503",
        "http_504", "http_403", "http_404",       "http_429", "non_idempotent", "updating",
        "off"};
    for (const std::string& word : directive.args)
        if (std::find(std::begin(kConditions), std::end(kConditions), word) ==
            std::end(kConditions))
            return fail(directive.where, "invalid value \"" + word + "\"");
    return success();
}

// nginx's bufs slot: a positive count and a positive size.
Status check_buffers(const Directive& directive, const BlockFrame&) {
    auto number = number_value(directive.args.at(0));
    auto size = size_value(directive.args.at(1));
    if (number && *number > 0 && size && *size > 0) return success();
    return fail(directive.where, "\"" + directive.name + "\" directive invalid value");
}

Status check_upstream_keepalive(const Directive& directive, const BlockFrame&) {
    const std::string& value = directive.args.at(0);
    auto connections = number_value(value);
    if (connections && *connections > 0) return success();
    return fail(directive.where,
                "invalid value \"" + value + "\" in \"" + directive.name + "\" directive");
}

}  // namespace strata::config::detail
