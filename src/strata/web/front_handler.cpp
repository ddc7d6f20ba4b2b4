#include "strata/web/front_handler.h"

#include "strata/base/version.h"
#include "strata/http/error_page.h"
#include "strata/http/status.h"
#include "strata/web/content_type.h"
#include "strata/web/request_error_log.h"
#include "strata/web/response_filters.h"
#include "strata/web/rewrite.h"
#include "strata/web/static_content.h"
#include "strata/web/static_error_report.h"
#include "strata/web/uri_path.h"
#include "strata/web/variables.h"

namespace strata::web {
namespace {

bool is_redirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// "example.com:8080" of "http://example.com:8080/x"; nullopt for other forms.
std::optional<std::string_view> authority_of(std::string_view target) {
    if (target.empty() || target.front() == '/') return std::nullopt;
    size_t scheme_end = target.find("://");
    if (scheme_end == std::string_view::npos) return std::nullopt;
    std::string_view rest = target.substr(scheme_end + 3);
    std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
    size_t at = authority.rfind('@');
    return at == std::string_view::npos ? authority : authority.substr(at + 1);
}

// The server of a head that may be partial: by Host when one came and is valid, else
// the listen address's default server.
const ServerConfig* server_by_host(const ListenGroup& group,
                                   const std::optional<std::string>& host) {
    if (!host || host->empty()) return group.default_server;
    return select_server(group.servers, *host, group.default_server);
}

std::optional<std::string> known_host(const http::RequestHead& head) {
    if (head.host.empty()) return std::nullopt;
    return normalize_host(head.host);
}

// The connection applies the options of the level now handling the request.
void use_options_of_level(RequestContext& ctx) {
    if (const auto& options = ctx.settings().request_options) ctx.exchange.set_options(*options);
}

// nginx's line for a declared body over client_max_body_size.
void log_too_large_body(const RequestContext& ctx, uint64_t length) {
    if (!request_log_takes(ctx, log::Level::error)) return;
    log_request(ctx, log::Level::error,
                "client intended to send too large body: " + std::to_string(length) + " bytes");
}

// nginx checks a declared body against the client_max_body_size of each location the
// request is matched to, rewrites included (the connection checked the first one);
// not again on the way to an error page.
bool refused_too_large_body(RequestContext& ctx) {
    const http::RequestHead& head = ctx.exchange.request();
    const auto& options = ctx.settings().request_options;
    if (head.body != http::BodyKind::length || ctx.error_status != 0 || !options) return false;
    if (head.content_length <= options->body_limit) return false;
    log_too_large_body(ctx, head.content_length);
    ctx.body_refused = true;
    ctx.close_connection = true;
    answer_with_error_page(ctx, 413);
    return true;
}

std::string_view query_of(std::string_view target) {
    size_t q = target.find('?');
    return q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
}

}  // namespace

// A relative Location made absolute as nginx does: scheme, host (the server's name
// with server_name_in_redirect), and the port unless it is the scheme's (80, 443).
std::string absolute_location(const RequestContext& ctx, std::string_view location) {
    if (location.empty() || location.front() != '/' || !*ctx.settings().absolute_redirect)
        return std::string(location);
    const LocationSettings& s = ctx.settings();
    // The server's name, else the request's host, else the address the client reached.
    std::string host = *s.server_name_in_redirect  ? ctx.server->first_name
                       : !ctx.request_host.empty() ? ctx.request_host
                                                   : ctx.exchange.local_address();
    bool https = ctx.exchange.tls() != nullptr;
    uint16_t port = ctx.exchange.listener().port;
    bool default_port = port == (https ? 443 : 80);
    std::string port_text = *s.port_in_redirect && !default_port ? ":" + std::to_string(port) : "";
    return (https ? "https://" : "http://") + host + port_text + std::string(location);
}

namespace {

// `return status [text]` with its text already expanded; no text given means the
// error page for error statuses.
void respond_to_return(RequestContext& ctx, int status, std::string_view text, bool has_text) {
    if (status == 444) return ctx.exchange.close_without_response();
    if (is_redirect(status)) return respond_redirect(ctx, status, text);
    if (!has_text && status >= 400)
        return answer_with_error_page(ctx, status);  // nginx logs nothing
    net::ResponseHead head;
    head.status = status;
    head.content_type = content_type_for(ctx.uri, ctx.settings());  // by $uri's extension
    respond_with(ctx, head, text);
}

// Counts one more URI change; false (after answering 500) past nginx's limit.
bool may_change_uri(RequestContext& ctx) {
    if (++ctx.internal_redirects <= kMaxInternalRedirects) return true;
    ctx.error_status = 0;
    ctx.exchange.respond_error(500);  // "rewrite or internal redirection cycle"
    return false;
}

// A script's `return` (or redirecting rewrite); false when the script went on.
bool respond_to_script(RequestContext& ctx, const RewriteOutcome& outcome) {
    if (outcome.kind != RewriteOutcome::Kind::respond) return false;
    respond_to_return(ctx, outcome.status, outcome.text, outcome.has_text);
    return true;
}

// nginx's server-rewrite phase; every internal redirect comes back through it.
void run_server_phase(RequestContext& ctx) {
    RewriteOutcome outcome = run_rewrite_script(ctx.server->rewrites, ctx);
    if (respond_to_script(ctx, outcome)) return;
    run_location_phase(ctx);  // `last` and `break` both just end the server's script
}

// nginx's rewrite phase in the location found; a changed URI (without `break`)
// sends the request back to location matching.
void run_location_rewrites(RequestContext& ctx) {
    const LocationConfig& loc = *ctx.location;
    RewriteOutcome outcome = run_rewrite_script(loc.rewrites, ctx);
    if (respond_to_script(ctx, outcome)) return;
    if (outcome.kind == RewriteOutcome::Kind::uri_changed) {
        if (may_change_uri(ctx)) run_location_phase(ctx);
        return;
    }
    run_content_phase(ctx);
}

}  // namespace

// error_page: an error becomes an internal redirect to the page, answered with the
// error's status (or the one after "="); without one, nginx's built-in page.
void answer_with_error_page(RequestContext& ctx, int status) {
    const LocationSettings& s = ctx.location ? ctx.location->settings : ctx.server->settings;
    auto page = s.error_pages->find(status);
    if (ctx.error_status != 0 || page == s.error_pages->end()) {
        net::ResponseHead head;
        head.status = http::status_sent_for(status);
        if (!http::has_error_page(status)) return respond_with(ctx, head, {});  // nginx: no body
        head.close = http::error_page_closes_connection(status);
        head.content_type = "text/html";
        std::string body = http::error_page(status, server_token(s));
        return respond_with(ctx, head, body);
    }
    const ErrorPage& target = page->second;
    ctx.error_status = target.response > 0 ? target.response : http::status_sent_for(status);
    ctx.close_connection = ctx.close_connection || http::error_page_closes_connection(status);
    if (!ctx.is_head) ctx.method = "GET";
    if (target.uri.front() == '@') return run_named_location(ctx, target.uri);
    if (target.uri.front() != '/') {  // a URL: nginx redirects to it with 302
        ctx.error_status = 0;
        int redirect = target.response > 0 && is_redirect(target.response) ? target.response : 302;
        return respond_redirect(ctx, redirect, expand_variables(target.uri, ctx));
    }
    internal_redirect(ctx, expand_variables(target.uri, ctx));
}

std::string_view server_token(const LocationSettings& s) {
    return *s.server_tokens ? kServerToken : kProductName;
}

void respond_redirect(RequestContext& ctx, int status, std::string_view location) {
    net::ResponseHead head;
    head.status = status;
    head.content_type = "text/html";
    head.location = ctx.keep(absolute_location(ctx, location));
    std::string page = http::error_page(status, server_token(ctx.settings()));
    respond_with(ctx, head, page);
}

FrontHandler::FrontHandler(std::shared_ptr<const MainConfig> config, AccessLog* access_log,
                           const MountedApps* apps, UpstreamRuntime* upstreams)
    : config_(std::move(config)),
      groups_(group_by_listen_address(config_->http)),
      access_log_(access_log),
      apps_(apps),
      upstreams_(upstreams) {}

const ListenGroup& FrontHandler::group_of(const net::ListenerInfo& listener) const {
    size_t tag = static_cast<size_t>(listener.tag);
    return groups_.at(tag < groups_.size() ? tag : 0);
}

const net::RequestOptions* FrontHandler::body_options(const http::RequestHead& head,
                                                      const net::ListenerInfo& listener) {
    std::string_view raw_host = authority_of(head.target).value_or(head.host);
    const ServerConfig* server = server_by_host(group_of(listener), normalize_host(raw_host));
    auto uri = normalize_target_path(head.target);
    const LocationConfig* location = uri ? find_location(server->locations, *uri).node : nullptr;
    return (location ? location->settings : server->settings).request_options.get();
}

void FrontHandler::reject(net::Exchange& exchange, const net::Rejection& rejection) {
    LoggingExchange logged(exchange, access_log_);
    logged.set_rejection(rejection);
    RequestContext ctx(logged, *config_, files_);
    ctx.apps = apps_;
    logged.set_context(ctx);
    const http::RequestHead& head = exchange.request();
    std::optional<std::string> host = known_host(head);
    ctx.server = server_by_host(group_of(exchange.listener()), host);
    ctx.request_host = host.value_or("");
    ctx.host = ctx.request_host.empty() ? ctx.server->first_name : ctx.request_host;
    ctx.is_head = head.method == "HEAD";
    if (!head.method.empty()) {  // the request line was read: $uri is known
        if (auto uri = normalize_target_path(head.target)) ctx.uri = std::move(uri.value());
    }
    if (rejection.stage == net::Rejection::Stage::body && !ctx.uri.empty())
        ctx.location = find_location(ctx.server->locations, ctx.uri).node;
    use_options_of_level(ctx);
    if (rejection.status == 413 && head.body == http::BodyKind::length)
        log_too_large_body(ctx, head.content_length);
    if (!rejection.respond) return logged.close_unanswered(rejection.status);
    ctx.close_connection = true;                    // the framing can no longer be trusted
    answer_with_error_page(ctx, rejection.status);  // error_page applies, as in nginx
}

void FrontHandler::handle(net::Exchange& exchange) {
    LoggingExchange logged(exchange, access_log_);  // every answer goes through it
    RequestContext ctx(logged, *config_, files_);
    ctx.apps = apps_;
    ctx.upstreams = upstreams_;
    logged.set_context(ctx);
    const http::RequestHead& head = exchange.request();
    const ListenGroup& group = group_of(exchange.listener());
    ctx.is_head = head.method == "HEAD";
    // RFC 9112 §3.2.2: an absolute-form target's authority replaces Host.
    std::string_view raw_host = authority_of(head.target).value_or(head.host);
    auto host = normalize_host(raw_host);
    bool bad_host = !host || (head.has_host && host->empty());
    // nginx checks the URI with the request line, before Host chooses a server.
    auto uri = normalize_target_path(head.target);
    bool bad_uri = !uri;
    ctx.server = bad_host || bad_uri ? group.default_server
                                     : select_server(group.servers, *host, group.default_server);
    use_options_of_level(ctx);
    if (bad_host) return finish_with_error(ctx, 400);  // nginx: "client sent invalid host header"
    if (bad_uri) {  // refused before nginx reads Host: $host is the server's name
        ctx.host = ctx.server->first_name;
        ctx.target_refused = true;
        return finish_with_error(ctx, 400);
    }
    ctx.request_host = *host;
    remember_server_name_captures(ctx, *host);
    ctx.host = host->empty() ? ctx.server->first_name : *host;
    ctx.uri = std::move(uri.value());
    ctx.args = std::string(query_of(head.target));
    run_server_phase(ctx);
}

void run_location_phase(RequestContext& ctx) {
    auto found = find_location(ctx.server->locations, ctx.uri);
    if (!found.node) {  // nginx then serves with the server's own settings
        ctx.location = nullptr;
        use_options_of_level(ctx);
        if (refused_too_large_body(ctx)) return;
        return run_content_phase(ctx);
    }
    ctx.location = found.node;
    ctx.rewritten_here = false;
    use_options_of_level(ctx);
    if (refused_too_large_body(ctx)) return;
    // A prefix location keeps the $1… of an earlier rewrite; a regex one replaces them.
    if (found.node->pattern.regex)
        remember_captures(ctx, *found.node->pattern.regex, found.captures);
    run_location_rewrites(ctx);
}

void internal_redirect(RequestContext& ctx, std::string_view uri_with_args) {
    if (!may_change_uri(ctx)) return;
    size_t q = uri_with_args.find('?');
    auto uri = normalize_target_path(uri_with_args.substr(0, q));
    if (!uri) return finish_with_error(ctx, 400);
    ctx.uri = std::move(uri.value());
    if (q != std::string_view::npos) ctx.args = std::string(uri_with_args.substr(q + 1));
    ctx.uri_unchanged = false;
    ctx.internal = true;
    run_server_phase(ctx);
}

void run_named_location(RequestContext& ctx, std::string_view name) {
    const LocationConfig* named = find_named_location(ctx.server->locations, name);
    if (!named || ++ctx.internal_redirects > kMaxInternalRedirects)
        return ctx.exchange.respond_error(500);
    ctx.location = named;
    use_options_of_level(ctx);
    run_location_rewrites(ctx);
}

void finish_with_error(RequestContext& ctx, int status) {
    report_static_error(ctx, status);
    answer_with_error_page(ctx, status);
}

// add_header applies to successful and redirect statuses, or to all with "always".
void add_configured_headers(const RequestContext& ctx, net::ResponseHead& head) {
    static constexpr int kStatuses[] = {200, 201, 204, 206, 301, 302, 303, 304, 307, 308};
    bool listed = false;
    for (int s : kStatuses)
        listed = listed || s == head.status;
    for (const AddedHeader& h : *ctx.settings().add_headers) {
        if (!listed && !h.always) continue;
        std::string value = expand_variables(h.value, ctx);
        if (value.empty()) continue;  // nginx adds nothing for an empty value
        head.headers.push_back({h.name, const_cast<RequestContext&>(ctx).keep(std::move(value))});
    }
}

// A response made in memory (return, error pages, redirects) through nginx's filters;
// with no ETag or Last-Modified, only "If-None-Match: *" and If-Match can apply.
void respond_with(RequestContext& ctx, net::ResponseHead& head, std::string_view body) {
    if (ctx.error_status != 0 && head.status == 200) head.status = ctx.error_status;
    if (head.status == 200) {
        if (std::optional<int> answer = precondition_status(ctx, {"", -1})) {
            if (*answer == 412) return finish_with_error(ctx, 412);
            return respond_not_modified(ctx, head, -1);
        }
    }
    add_header_filter(ctx, head, -1);
    respond_through_gzip(ctx, head, body);
}

}  // namespace strata::web
