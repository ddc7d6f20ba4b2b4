#include "strata/web/proxy_settings.h"

#include <functional>
#include <map>
#include <string_view>

#include "strata/config/values.h"
#include "strata/web/detail/setting_fields.h"

namespace strata::web {
namespace {

using config::Directive;
using config::fail;
using config::Status;
using config::success;

using Setter = detail::SettingSetter<ProxySettings>;
const auto flag = &detail::flag_setter<ProxySettings>;
const auto time_ms = &detail::time_ms_setter<ProxySettings>;
const auto size = &detail::size_setter<ProxySettings>;
const auto text = &detail::text_setter<ProxySettings>;
using detail::default_to;
using detail::inherit;

// A list directive: each occurrence adds one name; a level's list replaces the parent's.
Setter listed(std::optional<std::vector<std::string>> ProxySettings::*field) {
    return [field](const Directive& d, ProxySettings& s) -> Status {
        if (!(s.*field)) s.*field = std::vector<std::string>{};
        (s.*field)->push_back(d.args.at(0));
        return success();
    };
}

Status set_header(const Directive& d, ProxySettings& s) {
    if (!s.set_headers) s.set_headers = std::vector<ProxySetHeader>{};
    s.set_headers->push_back({d.args[0], d.args[1]});
    return success();
}

Status set_http_version(const Directive& d, ProxySettings& s) {
    s.http_version = d.args[0] == "1.1" ? http::Version::http11 : http::Version::http10;
    return success();
}

// proxy_redirect default | off | false | REDIRECT REPLACEMENT
Status set_redirect(const Directive& d, ProxySettings& s) {
    const std::string& first = d.args[0];
    if (d.args.size() == 1 && (first == "off" || first == "false")) {
        s.redirects = std::vector<ProxyRedirect>{};
        return success();
    }
    if (!s.redirects) s.redirects = std::vector<ProxyRedirect>{};
    if (d.args.size() == 1 && first == "default") {
        s.redirects->push_back({"", "", true});
        return success();
    }
    if (d.args.size() == 1) return fail(d.where, "invalid parameter \"" + first + "\"");
    if (!first.empty() && first.front() == '~')
        return fail(d.where, "regular expressions in \"proxy_redirect\" are not supported yet");
    s.redirects->push_back({first, d.args[1], false});
    return success();
}

Status set_next_upstream(const Directive& d, ProxySettings& s) {
    s.next_upstream = next_upstream_mask(d.args);
    return success();
}

Status set_tries(const Directive& d, ProxySettings& s) {
    auto value = config::parse_number(d);
    if (!value) return Err{value.error()};
    s.next_upstream_tries = static_cast<uint64_t>(value.value());
    return success();
}

// proxy_buffers NUMBER SIZE (the schema checked both).
Status set_buffers(const Directive& d, ProxySettings& s) {
    s.buffers_number = static_cast<uint64_t>(*config::number_value(d.args[0]));
    s.buffers_size = static_cast<uint64_t>(*config::size_value(d.args[1]));
    return success();
}

// proxy_temp_path PATH [LEVELS…]: the levels only spread nginx's files over
// directories; temporary files here are unlinked at once, so only the path counts.
Status set_temp_path(const Directive& d, ProxySettings& s) {
    s.temp_path = d.args[0];
    return success();
}

Status set_cookie_domain(const Directive& d, ProxySettings& s) {
    return add_cookie_domain_rule(d, s.cookie_domains);
}

Status set_cookie_path(const Directive& d, ProxySettings& s) {
    return add_cookie_path_rule(d, s.cookie_paths);
}

Status not_supported(const Directive& d, ProxySettings&) {
    return fail(d.where, "\"" + d.name + "\" directive is not supported yet");
}

Status accept_as_is(const Directive&, ProxySettings&) {
    return success();
}

const std::map<std::string_view, Setter>& setters() {
    static const std::map<std::string_view, Setter> table = {
        {"proxy_set_header", set_header},
        {"proxy_http_version", set_http_version},
        {"proxy_pass_request_headers", flag(&ProxySettings::pass_request_headers)},
        {"proxy_pass_request_body", flag(&ProxySettings::pass_request_body)},
        {"proxy_method", text(&ProxySettings::method)},
        {"proxy_set_body", text(&ProxySettings::set_body)},
        {"proxy_hide_header", listed(&ProxySettings::hide_headers)},
        {"proxy_pass_header", listed(&ProxySettings::pass_headers)},
        {"proxy_redirect", set_redirect},
        {"proxy_cookie_domain", set_cookie_domain},
        {"proxy_cookie_path", set_cookie_path},
        {"proxy_intercept_errors", flag(&ProxySettings::intercept_errors)},
        {"proxy_next_upstream", set_next_upstream},
        {"proxy_next_upstream_tries", set_tries},
        {"proxy_next_upstream_timeout", time_ms(&ProxySettings::next_upstream_timeout_ms)},
        {"proxy_connect_timeout", time_ms(&ProxySettings::connect_timeout_ms)},
        {"proxy_send_timeout", time_ms(&ProxySettings::send_timeout_ms)},
        {"proxy_read_timeout", time_ms(&ProxySettings::read_timeout_ms)},
        {"proxy_buffering", flag(&ProxySettings::buffering)},
        {"proxy_ignore_client_abort", flag(&ProxySettings::ignore_client_abort)},
        {"proxy_buffer_size", size(&ProxySettings::buffer_size)},
        {"proxy_buffers", set_buffers},
        {"proxy_max_temp_file_size", size(&ProxySettings::max_temp_file_size)},
        {"proxy_temp_path", set_temp_path},
        // The client's body is always read whole first (proxy_request_buffering on);
        // the rest change nothing strata does.
        {"proxy_request_buffering", accept_as_is},
        {"proxy_busy_buffers_size", accept_as_is},
        {"proxy_temp_file_write_size", accept_as_is},
        {"proxy_headers_hash_max_size", accept_as_is},
        {"proxy_headers_hash_bucket_size", accept_as_is},
        {"proxy_socket_keepalive", accept_as_is},
        {"proxy_ignore_headers", not_supported},
        {"proxy_limit_rate", not_supported},
    };
    return table;
}

}  // namespace

bool is_proxy_setting(std::string_view name) {
    return setters().count(name) > 0;
}

Status apply_proxy_setting(const Directive& d, ProxySettings& s) {
    return setters().at(d.name)(d, s);
}

uint32_t next_upstream_mask(const std::vector<std::string>& words) {
    static const std::map<std::string_view, uint32_t> kBits = {
        {"error", kNextError},
        {"timeout", kNextTimeout},
        {"invalid_header", kNextInvalidHeader},
        {"http_500", kNextHttp500},
        {"http_502", kNextHttp502},
        {"http_503", kNextHttp503},
        {"http_504", kNextHttp504},
        {"http_403", kNextHttp403},
        {"http_404", kNextHttp404},
        {"http_429", kNextHttp429},
        {"non_idempotent", kNextNonIdempotent},
    };
    uint32_t mask = 0;
    for (const std::string& word : words)
        if (auto it = kBits.find(word); it != kBits.end()) mask |= it->second;
    return mask;  // "off" (and "updating", a cache condition) add nothing
}

void merge(ProxySettings& c, const ProxySettings& p) {
    inherit(c.set_headers, p.set_headers);
    inherit(c.http_version, p.http_version);
    inherit(c.pass_request_headers, p.pass_request_headers);
    inherit(c.pass_request_body, p.pass_request_body);
    inherit(c.method, p.method);
    inherit(c.set_body, p.set_body);
    inherit(c.hide_headers, p.hide_headers);
    inherit(c.pass_headers, p.pass_headers);
    inherit(c.redirects, p.redirects);
    inherit(c.cookie_domains, p.cookie_domains);
    inherit(c.cookie_paths, p.cookie_paths);
    inherit(c.intercept_errors, p.intercept_errors);
    inherit(c.next_upstream, p.next_upstream);
    inherit(c.next_upstream_tries, p.next_upstream_tries);
    inherit(c.next_upstream_timeout_ms, p.next_upstream_timeout_ms);
    inherit(c.connect_timeout_ms, p.connect_timeout_ms);
    inherit(c.send_timeout_ms, p.send_timeout_ms);
    inherit(c.read_timeout_ms, p.read_timeout_ms);
    inherit(c.buffering, p.buffering);
    inherit(c.ignore_client_abort, p.ignore_client_abort);
    inherit(c.buffer_size, p.buffer_size);
    inherit(c.buffers_number, p.buffers_number);
    inherit(c.buffers_size, p.buffers_size);
    inherit(c.max_temp_file_size, p.max_temp_file_size);
    inherit(c.temp_path, p.temp_path);
}

// nginx 1.22's defaults.
void apply_proxy_defaults(ProxySettings& s) {
    default_to(s.set_headers, std::vector<ProxySetHeader>{});
    default_to(s.http_version, http::Version::http10);
    default_to(s.pass_request_headers, true);
    default_to(s.pass_request_body, true);
    default_to(s.method, "");
    default_to(s.hide_headers, std::vector<std::string>{});
    default_to(s.pass_headers, std::vector<std::string>{});
    default_to(s.redirects, std::vector<ProxyRedirect>{{"", "", true}});
    default_to(s.cookie_domains, std::vector<ProxyCookieRule>{});
    default_to(s.cookie_paths, std::vector<ProxyCookieRule>{});
    default_to(s.intercept_errors, false);
    default_to(s.next_upstream, kNextError | kNextTimeout);
    default_to(s.next_upstream_tries, 0);
    default_to(s.next_upstream_timeout_ms, 0);
    default_to(s.connect_timeout_ms, 60'000);
    default_to(s.send_timeout_ms, 60'000);
    default_to(s.read_timeout_ms, 60'000);
    default_to(s.buffering, true);
    default_to(s.ignore_client_abort, false);
    default_to(s.buffer_size, kProxyPageSize);
    default_to(s.buffers_number, 8);
    default_to(s.buffers_size, kProxyPageSize);
    default_to(s.max_temp_file_size, uint64_t{1024} * 1024 * 1024);
    default_to(s.temp_path, "/tmp");
}

}  // namespace strata::web
