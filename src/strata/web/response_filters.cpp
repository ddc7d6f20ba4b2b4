#include "strata/web/response_filters.h"

#include <vector>

#include "strata/web/expires.h"
#include "strata/web/front_handler.h"

namespace strata::web {
namespace {

void respond_gzipped(RequestContext& ctx, net::ResponseHead& head, std::string_view plain,
                     const GzipOptions& options) {
    std::string packed;
    GzipEncoder encoder(gzip_params(options, plain.size()));
    if (!encoder.ok() || !encoder.feed(plain, packed) || !encoder.finish(packed))
        return ctx.exchange.respond_error(500);
    mark_gzipped(ctx, head);
    ctx.exchange.respond(head, packed);
}

}  // namespace

void mark_gzipped(RequestContext& ctx, net::ResponseHead& head) {
    for (http::Header& h : head.headers) {
        if (h.name != "ETag") continue;
        auto weak = weaken_etag(h.value);
        h.value = weak ? ctx.keep(*weak) : "";
    }
    std::erase_if(head.headers, [](const http::Header& h) { return h.value.empty(); });
    head.headers.push_back({"Content-Encoding", "gzip"});
    head.chunked = true;
}

std::optional<int> precondition_status(const RequestContext& ctx, const Validators& validators) {
    Precondition pre = evaluate_preconditions(conditional_headers(ctx.exchange.request()),
                                              validators, *ctx.settings().if_modified_since);
    if (pre == Precondition::precondition_failed) return 412;
    if (pre == Precondition::not_modified) return 304;
    return std::nullopt;
}

void respond_not_modified(RequestContext& ctx, net::ResponseHead head, std::time_t mtime) {
    head.status = 304;
    head.content_type = {};
    head.chunked = false;  // no body to frame (a listing's head asks for chunked)
    add_header_filter(ctx, head, mtime);
    ctx.exchange.respond(head, {});
}

void add_header_filter(RequestContext& ctx, net::ResponseHead& head, std::time_t mtime) {
    const std::string& expires = *ctx.settings().expires;
    // "off" (the default) adds nothing: no need to read the clock.
    if (expires != "off" && expires_applies(head.status)) {
        std::time_t now = std::time(nullptr);
        ExpiresHeaders e = expires_headers(expires, now, mtime < 0 ? now : mtime);
        if (!e.expires.empty()) head.headers.push_back({"Expires", ctx.keep(e.expires)});
        if (!e.cache_control.empty())
            head.headers.push_back({"Cache-Control", ctx.keep(e.cache_control)});
    }
    add_configured_headers(ctx, head);
}

const GzipOptions& gzip_options(const LocationSettings& s, GzipOptions& scratch) {
    if (s.gzip_compiled) return *s.gzip_compiled;
    scratch = build_gzip_options(s);
    return scratch;
}

GzipOptions build_gzip_options(const LocationSettings& s) {
    GzipOptions o;
    o.enabled = *s.gzip;
    o.vary = *s.gzip_vary;
    o.min_length = *s.gzip_min_length;
    o.comp_level = *s.gzip_comp_level;
    for (const std::string& type : *s.gzip_types) {
        if (type == "*") o.all_types = true;
        o.types.push_back(type);
    }
    std::vector<Regex> patterns;
    for (const std::string& pattern : *s.gzip_disable) {
        if (pattern == "msie6") {
            o.disable_msie6 = true;
        } else if (auto regex = Regex::compile(pattern, true)) {
            patterns.push_back(std::move(regex.value()));
        }
    }
    if (!patterns.empty())
        o.disable_user_agent = [patterns](std::string_view agent) {
            for (const Regex& r : patterns)
                if (r.match(agent)) return true;
            return false;
        };
    return o;
}

GzipDecision decide_gzip_for(const RequestContext& ctx, const GzipOptions& options,
                             const GzipResponse& response) {
    if (!options.enabled) return {};  // decide_gzip's answer, without reading the headers
    return decide_gzip(options, gzip_request(ctx.exchange.request()), response);
}

void respond_through_gzip(RequestContext& ctx, net::ResponseHead& head, std::string_view body) {
    GzipOptions scratch;
    const GzipOptions& options = gzip_options(ctx.settings(), scratch);
    GzipDecision decision =
        decide_gzip_for(ctx, options, {head.status, head.content_type, body.size(), false});
    head.vary_accept_encoding = decision.vary;
    if (decision.compress) return respond_gzipped(ctx, head, body, options);
    ctx.exchange.respond(head, body);
}

}  // namespace strata::web
