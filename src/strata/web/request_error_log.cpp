#include "strata/web/request_error_log.h"

#include "strata/web/variables.h"

namespace strata::web {
namespace {

const LevelErrorLogs* logs_of(const RequestContext& ctx) {
    return ctx.server ? ctx.settings().error_log.get() : nullptr;
}

}  // namespace

bool request_log_takes(const RequestContext& ctx, log::Level level) {
    const LevelErrorLogs* logs = logs_of(ctx);
    return logs ? logs->takes(level) : level >= log::level();
}

std::string request_log_context(const RequestContext& ctx, std::string_view upstream) {
    const http::RequestHead& head = ctx.exchange.request();
    std::string out = ", client: " + ctx.exchange.peer().text();
    if (ctx.server) out += ", server: " + ctx.server->first_name;
    if (!head.method.empty())
        out += ", request: \"" + variable_value("request", ctx).value_or("") + "\"";
    if (!upstream.empty()) out += ", upstream: \"" + std::string(upstream) + "\"";
    if (head.has_host) out += ", host: \"" + std::string(head.host) + "\"";
    if (std::string_view referrer = head.find("Referer"); !referrer.empty())
        out += ", referrer: \"" + std::string(referrer) + "\"";
    return out;
}

void log_request(const RequestContext& ctx, log::Level level, std::string_view message,
                 std::string_view upstream) {
    if (!request_log_takes(ctx, level)) return;
    std::string line = std::string(message) + request_log_context(ctx, upstream);
    if (const LevelErrorLogs* logs = logs_of(ctx))
        logs->write(level, line);
    else
        log::write(level, line);
}

}  // namespace strata::web
