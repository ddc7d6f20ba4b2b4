#include "strata/web/proxy_response.h"

#include <algorithm>

#include "strata/http/status.h"

namespace strata::web {
namespace {

using http::iequals;

// nginx's ngx_http_proxy_hide_headers: hidden unless proxy_pass_header names them.
constexpr std::string_view kHiddenByDefault[] = {
    "Date",
    "Server",
    "X-Pad",
    "X-Accel-Expires",
    "X-Accel-Redirect",
    "X-Accel-Limit-Rate",
    "X-Accel-Buffering",
    "X-Accel-Charset",
};

// Never passed: about this hop, or framing the front server redoes.
constexpr std::string_view kNeverPassed[] = {
    "Connection",
    "Keep-Alive",
    "Transfer-Encoding",
    "Content-Length",
};

template <class List>
bool listed(const List& list, std::string_view name) {
    return std::any_of(std::begin(list), std::end(list),
                       [&](const auto& entry) { return iequals(entry, name); });
}

std::string_view keep(std::forward_list<std::string>& store, std::string value) {
    return store.emplace_front(std::move(value));
}

// The status line after the version, as the upstream wrote it ("200 Fine"); empty when
// it gave no reason or the usual one, so the front server's own line is used.
std::string_view status_text(const http::ResponseHead& upstream,
                             std::forward_list<std::string>& store) {
    if (upstream.reason.empty() || upstream.reason == http::reason_phrase(upstream.status))
        return {};
    return keep(store, std::to_string(upstream.status) + " " + std::string(upstream.reason));
}

// The field with its value rewritten, or as the upstream sent it.
http::Header rewritten_field(const http::Header& field, std::optional<std::string> value,
                             std::forward_list<std::string>& store) {
    return {field.name, value ? keep(store, std::move(*value)) : field.value};
}

}  // namespace

// Only names starting with these letters are in the fixed lists: the others (most of
// an answer's fields) need no comparison with them.
bool may_be_listed(std::string_view name) {
    char first = name.empty() ? '\0' : http::ascii_lower(name.front());
    return first == 'c' || first == 'd' || first == 'k' || first == 's' || first == 't' ||
           first == 'x';
}

bool passes_upstream_field(std::string_view name, const UpstreamHeaderRules& rules) {
    if (!rules.hide.empty() && listed(rules.hide, name)) return false;
    if (!may_be_listed(name)) return true;
    if (listed(kNeverPassed, name)) return false;
    return !listed(kHiddenByDefault, name) || listed(rules.pass, name);
}

net::ResponseHead forwarded_head(const http::ResponseHead& upstream,
                                 const UpstreamHeaderRules& rules,
                                 std::span<const RedirectRule> redirects,
                                 std::forward_list<std::string>& store) {
    net::ResponseHead head;
    head.status = upstream.status;
    head.status_text = status_text(upstream, store);
    head.headers.reserve(upstream.headers.size());
    for (const http::Header& h : upstream.headers) {
        if (!passes_upstream_field(h.name, rules)) continue;
        if (iequals(h.name, "Server")) {
            head.server = h.value;
        } else if (iequals(h.name, "Date")) {
            head.date = h.value;
        } else if (iequals(h.name, "Location") && !redirects.empty()) {
            if (auto rewritten = rewrite_location(h.value, redirects))
                head.location = keep(store, std::move(*rewritten));
            else
                head.headers.push_back(h);
        } else if (iequals(h.name, "Refresh") && !redirects.empty()) {
            head.headers.push_back(rewritten_field(h, rewrite_refresh(h.value, redirects), store));
        } else if (rules.cookies && iequals(h.name, "Set-Cookie")) {
            head.headers.push_back(
                rewritten_field(h, rewrite_set_cookie(h.value, *rules.cookies), store));
        } else {
            head.headers.push_back(h);
        }
    }
    return head;
}

int64_t forwarded_length(const http::ResponseHead& upstream) {
    if (upstream.body == http::ResponseBody::chunked ||
        upstream.body == http::ResponseBody::until_close || !upstream.has_content_length)
        return -1;
    return static_cast<int64_t>(upstream.content_length);
}

}  // namespace strata::web
