#include "strata/web/detached_request.h"

namespace strata::web {
namespace {

std::unique_ptr<RequestContext> copy_context(const RequestContext& from, net::Exchange& exchange) {
    auto copy = std::make_unique<RequestContext>(exchange, from.main, from.files);
    copy->server = from.server;
    copy->location = from.location;
    copy->apps = from.apps;
    copy->uri = from.uri;
    copy->args = from.args;
    copy->host = from.host;
    copy->request_host = from.request_host;
    copy->captures = from.captures;
    copy->user_variables = from.user_variables;
    copy->upstreams = from.upstreams;
    copy->internal_redirects = from.internal_redirects;
    copy->uri_unchanged = from.uri_unchanged;
    copy->internal = from.internal;
    copy->rewritten_here = from.rewritten_here;
    copy->proxy_host = from.proxy_host;
    copy->proxy_port = from.proxy_port;
    copy->upstream_tries = from.upstream_tries;
    copy->error_status = from.error_status;
    copy->is_head = from.is_head;
    copy->method = from.method;
    copy->close_connection = from.close_connection;
    return copy;
}

}  // namespace

DetachedRequest DetachedRequest::from(const RequestContext& ctx) {
    DetachedRequest out;
    if (auto* logged = dynamic_cast<LoggingExchange*>(&ctx.exchange)) {
        out.logged = logged->detached();
        out.ctx = copy_context(ctx, *out.logged);
        out.logged->set_context(*out.ctx);
        out.exchange = out.logged.get();
    } else {
        out.ctx = copy_context(ctx, ctx.exchange);
        out.exchange = &ctx.exchange;
    }
    return out;
}

}  // namespace strata::web
