#include "strata/web/proxy_content.h"

#include "strata/web/front_handler.h"
#include "strata/web/proxy_exchange.h"
#include "strata/web/proxy_request.h"
#include "strata/web/proxy_uri.h"
#include "strata/web/request_error_log.h"
#include "strata/web/variables.h"

namespace strata::web {
namespace {

std::string evaluate(const config::CompiledValue& value, const RequestContext& ctx) {
    std::string out;
    for (const config::ValuePart& part : value.parts) {
        if (part.kind == config::ValuePart::Kind::literal) {
            out += part.text;
        } else if (part.kind == config::ValuePart::Kind::capture) {
            auto i = static_cast<size_t>(part.capture);
            if (i < ctx.captures.size()) out += ctx.captures[i];
        } else if (auto v = variable_value(part.text, ctx)) {
            out += *v;
        }
    }
    return out;
}

struct Target {
    ProxyUrl url;
    std::shared_ptr<const UpstreamGroup> group;
    bool own_group = false;
};

// A URL made of variables, as nginx's ngx_http_proxy_eval and upstream lookup take it:
// an upstream block or implicit group of that name and port, else an address literal;
// a name would need a resolver. nullopt after answering.
std::optional<Target> evaluated_target(RequestContext& ctx, const ProxyPass& pass) {
    std::string text = evaluate(*pass.variables, ctx);
    auto url = parse_proxy_url(text);
    if (!url) {
        log_request(ctx, log::Level::error, url.error() + " in \"" + text + "\"");
        finish_with_error(ctx, 500);
        return std::nullopt;
    }
    const HttpConfig& http = ctx.main.http;
    Target target{std::move(url.value()), nullptr, false};
    target.group = find_proxy_group(target.url, http.upstreams, http.implicit_upstreams);
    if (target.group) return target;
    if (auto literal = literal_group(target.url)) {
        target.group = std::make_shared<const UpstreamGroup>(std::move(*literal));
        target.own_group = true;
        return target;
    }
    log_request(ctx, log::Level::error, "no resolver defined to resolve " + target.url.host);
    answer_with_error_page(ctx, 502);
    return std::nullopt;
}

std::string request_uri(const RequestContext& ctx, const ProxyPass& pass, const ProxyUrl& url) {
    ProxiedRequestUri request{ctx.exchange.request().target,
                              ctx.uri,
                              ctx.args,
                              ctx.uri_unchanged,
                              ctx.internal,
                              ctx.rewritten_here};
    std::optional<std::string_view> uri_part;
    if (url.uri) uri_part = *url.uri;
    return proxied_uri(request, {uri_part, pass.location_prefix, pass.variables.has_value()});
}

// Text without a "$" is used as it is, from the configuration.
std::string_view expanded(const std::string& text, const RequestContext& ctx,
                          std::forward_list<std::string>& storage) {
    if (text.find('$') == std::string::npos) return text;
    return storage.emplace_front(expand_variables(text, ctx));
}

void add_redirect_rules(const RequestContext& ctx, const ProxyPass& pass, ProxyRequest& request) {
    for (const ProxyRedirect& r : *ctx.settings().proxy.redirects) {
        if (!r.is_default)
            request.redirects.push_back(
                {expanded(r.from, ctx, request.expanded), expanded(r.to, ctx, request.expanded)});
        else if (!pass.variables)  // nginx has no default for a URL of variables
            request.redirects.push_back(
                {pass.default_redirect.first, pass.default_redirect.second});
    }
}

// proxy_set_header's values for this request (literal ones as configured);
// proxy_request_head() then leaves out the empty ones.
std::string build_head(RequestContext& ctx, const ProxyRequest& request) {
    const ProxySettings& s = ctx.settings().proxy;
    std::forward_list<std::string> storage;
    std::vector<ProxyHeader> headers;
    headers.reserve(s.set_headers->size());
    for (const ProxySetHeader& h : *s.set_headers)
        headers.push_back({h.name, expanded(h.value, ctx, storage)});
    ProxyRequestSettings settings;
    settings.proxy_host = ctx.proxy_host;
    settings.method = request.method;
    settings.version = *s.http_version;
    settings.pass_request_headers = *s.pass_request_headers;
    settings.set_headers = headers;
    if (request.body_from_setting) settings.set_body = request.set_body;
    const http::RequestHead& client = ctx.exchange.request();
    std::optional<uint64_t> body_length;
    if (client.body != http::BodyKind::none) body_length = ctx.exchange.body_size();
    return proxy_request_head(client, request.uri, body_length, settings);
}

}  // namespace

void serve_proxy(RequestContext& ctx) {
    const ProxyPass& pass = *ctx.location->proxy_pass;
    if (!ctx.upstreams) {
        log_request(ctx, log::Level::error, "the proxy is not running in this worker");
        return answer_with_error_page(ctx, 502);
    }
    Target target{pass.target, pass.group, false};
    if (pass.variables) {
        auto evaluated = evaluated_target(ctx, pass);
        if (!evaluated) return;
        target = std::move(*evaluated);
    }
    const ProxySettings& s = ctx.settings().proxy;
    ctx.proxy_host = target.url.proxy_host;
    ctx.proxy_port = target.url.proxy_port;
    ProxyRequest request;
    request.group = target.group;
    request.own_group = target.own_group;
    request.uri = request_uri(ctx, pass, target.url);
    request.method = s.method->empty() ? std::string(ctx.method) : expand_variables(*s.method, ctx);
    request.send_body = *s.pass_request_body;
    if (s.set_body) {
        request.set_body = expand_variables(*s.set_body, ctx);
        request.body_from_setting = true;
    }
    add_redirect_rules(ctx, pass, request);
    if (target.group->hash_key) request.hash_key = evaluate(*target.group->hash_key, ctx);
    request.head = build_head(ctx, request);
    ProxyExchange::start(ctx, *ctx.upstreams, std::move(request));
}

}  // namespace strata::web
