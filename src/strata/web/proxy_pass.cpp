#include "strata/web/proxy_pass.h"

#include <arpa/inet.h>
#include <strings.h>

#include "strata/http/request_head.h"
#include "strata/web/proxy_redirect.h"
#include "strata/web/upstream_address.h"

namespace strata::web {
namespace {

constexpr std::string_view kHttp = "http://";
constexpr std::string_view kHttps = "https://";
constexpr std::string_view kUnix = "unix:";

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && strncasecmp(s.data(), prefix.data(), prefix.size()) == 0;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        c = http::ascii_lower(c);
    return out;
}

// "unix:/path[:/uri]": the first colon after the path starts the URI part.
Result<ProxyUrl, std::string> parse_unix_url(std::string_view rest) {
    std::string_view path = rest.substr(kUnix.size());
    ProxyUrl url;
    if (size_t colon = path.find(':'); colon != std::string_view::npos) {
        url.uri = std::string(path.substr(colon + 1));
        path = path.substr(0, colon);
    }
    auto target = parse_upstream_address(std::string(kUnix) + std::string(path));
    if (!target) return Err{target.error()};
    url.is_unix = true;
    url.host = std::string(path);
    url.proxy_host = "localhost";  // nginx's Host for a unix socket
    return url;
}

Result<ProxyUrl, std::string> parse_tcp_url(std::string_view rest) {
    size_t end = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, end);
    ProxyUrl url;
    if (end != std::string_view::npos) url.uri = std::string(rest.substr(end));
    auto target = parse_upstream_address(authority);
    if (!target) return Err{target.error()};
    // The port's colon: after the brackets of an IPv6 literal, else the first one.
    size_t search_from = authority.front() == '[' ? authority.find(']') : 0;
    size_t port_colon = authority.find(':', search_from);
    bool has_port = port_colon != std::string_view::npos;
    std::string_view host = authority.substr(0, port_colon);
    url.host = std::string(host);
    if (has_port) url.port = target->port;
    // nginx: the port is left out of Host when it is the scheme's.
    bool default_port = !url.port || *url.port == 80;
    url.proxy_host = default_port ? url.host : std::string(authority);
    url.proxy_port = default_port ? "80" : std::string(authority.substr(port_colon + 1));
    return url;
}

std::shared_ptr<UpstreamGroup> group_of_addresses(const ProxyUrl& url,
                                                  std::vector<ResolvedAddress> addresses,
                                                  const config::SourceLocation& where) {
    auto group = std::make_shared<UpstreamGroup>();
    group->name = url.is_unix ? std::string(kUnix) + url.host : url.host;
    group->where = where;
    for (ResolvedAddress& a : addresses) {
        UpstreamPeer peer;
        peer.server = group->name;
        peer.name = std::move(a.name);
        peer.address = a.address;
        peer.where = where;
        group->peers.push_back(std::move(peer));
    }
    return group;
}

std::string implicit_key(const ProxyUrl& url) {
    if (url.is_unix) return std::string(kUnix) + url.host;
    return lower(url.host) + ":" + std::to_string(url.port.value_or(80));
}

std::string target_text(const ProxyUrl& url) {
    if (url.is_unix) return std::string(kUnix) + url.host;
    return url.port ? url.host + ":" + std::to_string(*url.port) : url.host;
}

}  // namespace

Result<ProxyUrl, std::string> parse_proxy_url(std::string_view text) {
    if (starts_with_nocase(text, kHttps))
        return Err{std::string("https protocol in \"proxy_pass\" is not supported yet")};
    if (!starts_with_nocase(text, kHttp)) return Err{std::string("invalid URL prefix")};
    std::string_view rest = text.substr(kHttp.size());
    if (starts_with_nocase(rest, kUnix)) return parse_unix_url(rest);
    if (rest.empty() || rest.front() == '/' || rest.front() == '?')
        return Err{std::string("no host")};
    return parse_tcp_url(rest);
}

config::Status build_proxy_pass(const config::Directive& d, std::optional<std::string> prefix,
                                ProxyPass& out) {
    out.url = d.args[0];
    out.where = d.where;
    auto compiled = config::compile_value(out.url, nullptr, d.where);
    if (!compiled) return Err{compiled.error()};
    if (compiled->has_variables()) {
        out.variables = std::move(compiled.value());
        return config::success();
    }
    auto url = parse_proxy_url(out.url);
    if (!url) {
        bool address_error = url.error() != "invalid URL prefix" &&
                             url.error().find("not supported") == std::string::npos;
        return config::fail(d.where, address_error ? url.error() + " in upstream \"" +
                                                         out.url.substr(kHttp.size()) + "\""
                                                   : url.error());
    }
    out.target = std::move(url.value());
    if (!prefix && out.target.uri)
        return config::fail(d.where,
                            "\"proxy_pass\" cannot have URI part in location given by regular "
                            "expression, or inside named location, or inside \"if\" statement, "
                            "or inside \"limit_except\" block");
    out.location_prefix = prefix.value_or("");
    bool has_uri = out.target.uri && !out.target.uri->empty();
    out.default_redirect = default_redirect_rule(out.url, has_uri, out.location_prefix);
    return config::success();
}

config::Status bind_proxy_pass(ProxyPass& pass, const UpstreamGroups& groups,
                               ImplicitUpstreams& implicit) {
    if (pass.variables) return config::success();
    const ProxyUrl& url = pass.target;
    if (!url.is_unix) {
        auto named = groups.find(lower(url.host));
        if (named != groups.end()) {
            if (url.port)
                return config::fail(pass.where, "upstream \"" + url.host + "\" may not have port " +
                                                    std::to_string(*url.port));
            pass.group = named->second;
            return config::success();
        }
    }
    std::string key = implicit_key(url);
    if (auto found = implicit.find(key); found != implicit.end()) {
        pass.group = found->second;
        return config::success();
    }
    auto addresses = resolve_upstream_address(target_text(url));
    if (!addresses)
        return config::fail(pass.where,
                            addresses.error() + " in upstream \"" + target_text(url) + "\"");
    auto group = group_of_addresses(url, std::move(addresses.value()), pass.where);
    implicit[key] = group;
    pass.group = std::move(group);
    return config::success();
}

std::shared_ptr<const UpstreamGroup> find_proxy_group(const ProxyUrl& url,
                                                      const UpstreamGroups& groups,
                                                      const ImplicitUpstreams& implicit) {
    if (!url.is_unix && !url.port) {
        if (auto named = groups.find(lower(url.host)); named != groups.end()) return named->second;
    }
    if (auto found = implicit.find(implicit_key(url)); found != implicit.end())
        return found->second;
    return nullptr;
}

std::optional<UpstreamGroup> literal_group(const ProxyUrl& url) {
    in_addr v4{};
    bool literal = url.is_unix || (!url.host.empty() && url.host.front() == '[') ||
                   inet_pton(AF_INET, url.host.c_str(), &v4) == 1;
    if (!literal) return std::nullopt;
    auto addresses = resolve_upstream_address(target_text(url));
    if (!addresses) return std::nullopt;
    return *group_of_addresses(url, std::move(addresses.value()), {});
}

}  // namespace strata::web
