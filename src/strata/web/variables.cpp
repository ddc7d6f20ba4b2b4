#include "strata/web/variables.h"

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "strata/http/request_head.h"
#include "strata/web/request_error_log.h"
#include "strata/web/static_content.h"

namespace strata::web {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

// $http_user_agent → the User-Agent field: '_' stands for '-', case does not matter.
std::string header_value(const http::RequestHead& head, std::string_view name) {
    for (const http::Header& h : head.headers) {
        if (h.name.size() != name.size()) continue;
        bool same = true;
        for (size_t i = 0; i < name.size() && same; ++i) {
            char want = name[i] == '_' ? '-' : name[i];
            same = http::ascii_lower(h.name[i]) == http::ascii_lower(want);
        }
        if (same) return std::string(h.value);
    }
    return {};
}

// $arg_name → the first "name=value" of the query string.
std::string argument_value(std::string_view args, std::string_view name) {
    while (!args.empty()) {
        size_t amp = args.find('&');
        std::string_view pair = args.substr(0, amp);
        size_t eq = pair.find('=');
        if (http::iequals(pair.substr(0, eq), name))
            return eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1));
        if (amp == std::string_view::npos) break;
        args.remove_prefix(amp + 1);
    }
    return {};
}

// root, or in a location with alias the alias (nginx keeps both in one place), with its
// variables expanded and under the prefix when relative.
std::string document_root(const RequestContext& ctx) {
    const LocationConfig* loc = ctx.location;
    const VariableText& base = loc && loc->alias ? loc->alias->path : *ctx.settings().root;
    std::string storage;
    std::string root(literal_or_expanded(base, ctx, storage));
    return root.empty() || root.front() == '/' ? root : ctx.main.prefix + root;
}

// $realpath_root: the document root with symbolic links resolved; empty, with nginx's
// [crit] line, when that fails.
std::string realpath_root(const RequestContext& ctx) {
    std::string root = document_root(ctx);
    char resolved[PATH_MAX];
    if (::realpath(root.c_str(), resolved)) return resolved;
    int error = errno;
    log_request(ctx, log::Level::crit,
                fmt::format("realpath() \"{}\" failed ({}: {})", root, error, strerror(error)));
    return {};
}

// $document_root, $realpath_root and $request_filename are made from root or alias,
// whose own variables may name $request_filename: nginx then leaves the inner use empty
// with its "cycle" line, where evaluating on would recurse without end.
std::string path_value(std::string_view name, const RequestContext& ctx) {
    thread_local bool evaluating = false;
    if (evaluating) {
        log_request(ctx, log::Level::error,
                    fmt::format("cycle while evaluating variable \"{}\"", name));
        return {};
    }
    evaluating = true;
    std::string value = name == "document_root"   ? document_root(ctx)
                        : name == "realpath_root" ? realpath_root(ctx)
                                                  : map_uri_to_path(ctx, ctx.uri);
    evaluating = false;
    return value;
}

// nginx's $proxy_add_x_forwarded_for: the client's X-Forwarded-For fields, then its
// address.
std::string forwarded_for(const RequestContext& ctx) {
    std::string out;
    for (const http::Header& h : ctx.exchange.request().headers) {
        if (!http::iequals(h.name, "X-Forwarded-For")) continue;
        out.append(h.value);
        out += ", ";
    }
    return out + ctx.exchange.peer().text();
}

std::optional<std::string> proxy_value(std::string_view name, const RequestContext& ctx) {
    if (auto variable = upstream_variable(name))
        return format_upstream_variable(*variable, ctx.upstream_tries);
    if (name == "proxy_host") return ctx.proxy_host;
    if (name == "proxy_port") return ctx.proxy_port;
    if (name == "proxy_add_x_forwarded_for") return forwarded_for(ctx);
    return std::nullopt;
}

// $ssl_protocol, $ssl_cipher, $ssl_server_name, $ssl_session_reused: empty on plain HTTP.
std::optional<std::string> tls_value(std::string_view name, const net::TlsInfo* tls) {
    bool known =
        name == "protocol" || name == "cipher" || name == "server_name" || name == "session_reused";
    if (!known) return std::nullopt;
    if (tls == nullptr) return "";
    if (name == "protocol") return std::string(tls->protocol());
    if (name == "cipher") return std::string(tls->cipher());
    if (name == "server_name") return std::string(tls->server_name());
    return tls->session_reused() ? "r" : ".";
}

std::optional<std::string> named_value(std::string_view name, const RequestContext& ctx) {
    const http::RequestHead& head = ctx.exchange.request();
    std::string_view target = head.target;
    if (name == "uri" || name == "document_uri") return ctx.uri;
    if (name == "args" || name == "query_string") return ctx.args;
    if (name == "is_args") return ctx.args.empty() ? "" : "?";
    if (name == "request_uri") return std::string(target);
    if (name == "host") return ctx.host;
    if (name == "scheme") return ctx.exchange.tls() ? "https" : "http";
    if (name == "https") return ctx.exchange.tls() ? "on" : "";
    if (name == "request_method") return std::string(head.method);
    if (name == "server_protocol") return std::string(http::to_string(head.version));
    if (name == "request") {
        return std::string(head.method) + " " + std::string(target) +
               (head.version == http::Version::http09 ? ""
                                                      : " " + std::string(to_string(head.version)));
    }
    if (name == "remote_addr") return ctx.exchange.peer().text();
    if (name == "remote_port") return std::to_string(ctx.exchange.peer().port());
    if (name == "server_port") return std::to_string(ctx.exchange.listener().port);
    if (name == "server_addr") return ctx.exchange.local_address();
    if (name == "server_name") return ctx.server ? ctx.server->first_name : "";
    if (name == "document_root" || name == "realpath_root" || name == "request_filename")
        return path_value(name, ctx);
    if (name == "content_length") return header_value(head, "content_length");
    if (name == "content_type") return header_value(head, "content_type");
    if (name == "pid") return std::to_string(getpid());
    if (name == "nginx_version" || name == "strata_version") return "0.1.0";
    if (starts_with(name, "ssl_")) return tls_value(name.substr(4), ctx.exchange.tls());
    return proxy_value(name, ctx);
}

// A variable made by `set`; nginx's variable names ignore case.
std::optional<std::string> user_variable(std::string_view name, const RequestContext& ctx) {
    if (ctx.user_variables.empty()) return std::nullopt;
    std::string lower;
    for (char c : name)
        lower.push_back(http::ascii_lower(c));
    auto found = ctx.user_variables.find(lower);
    if (found == ctx.user_variables.end()) return std::nullopt;
    return found->second;
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

}  // namespace

std::optional<std::string> variable_value(std::string_view name, const RequestContext& ctx) {
    if (name.size() == 1 && is_digit(name[0])) {
        size_t i = static_cast<size_t>(name[0] - '0');
        return i < ctx.captures.size() ? ctx.captures[i] : "";
    }
    if (starts_with(name, "http_")) return header_value(ctx.exchange.request(), name.substr(5));
    if (starts_with(name, "arg_")) return argument_value(ctx.args, name.substr(4));
    if (auto value = named_value(name, ctx)) return value;
    return user_variable(name, ctx);
}

bool is_known_variable(std::string_view name) {
    static constexpr std::string_view kNames[] = {"uri",
                                                  "document_uri",
                                                  "args",
                                                  "query_string",
                                                  "is_args",
                                                  "request_uri",
                                                  "host",
                                                  "scheme",
                                                  "https",
                                                  "ssl_protocol",
                                                  "ssl_cipher",
                                                  "ssl_server_name",
                                                  "ssl_session_reused",
                                                  "request_method",
                                                  "server_protocol",
                                                  "request",
                                                  "remote_addr",
                                                  "remote_port",
                                                  "server_port",
                                                  "server_addr",
                                                  "server_name",
                                                  "document_root",
                                                  "request_filename",
                                                  "content_length",
                                                  "content_type",
                                                  "pid",
                                                  "nginx_version",
                                                  "strata_version",
                                                  "proxy_host",
                                                  "proxy_port",
                                                  "proxy_add_x_forwarded_for"};
    if (name.size() == 1 && name[0] >= '0' && name[0] <= '9') return true;
    if (upstream_variable(name)) return true;
    if (starts_with(name, "http_") || starts_with(name, "arg_"))
        return name.find('_') + 1 < name.size();
    for (std::string_view known : kNames)
        if (known == name) return true;
    return false;
}

// Literal runs are copied whole; only the variables are looked up.
std::string expand_variables(std::string_view text, const RequestContext& ctx) {
    std::string out;
    out.reserve(text.size() + 32);
    size_t i = 0;
    while (i < text.size()) {
        size_t dollar = text.find('$', i);
        out.append(text.substr(i, dollar - i));
        if (dollar == std::string_view::npos || dollar + 1 == text.size()) {
            if (dollar != std::string_view::npos) out.push_back('$');
            break;
        }
        size_t start = dollar + 1, end;
        std::string_view name;
        if (text[start] == '{') {
            end = text.find('}', start);
            if (end == std::string_view::npos) end = text.size();
            name = text.substr(start + 1, end - start - 1);
            i = end + 1;
        } else if (is_digit(text[start])) {
            end = start + 1;  // nginx reads one digit: "$10" is $1 then "0"
            name = text.substr(start, 1);
            i = end;
        } else {
            end = start;
            while (end < text.size() &&
                   (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_'))
                ++end;
            name = text.substr(start, end - start);
            i = end;
        }
        if (auto v = variable_value(name, ctx)) out += *v;
    }
    return out;
}

void remember_captures(RequestContext& ctx, const Regex& regex,
                       const std::vector<std::string_view>& captures) {
    ctx.captures.assign(captures.begin(), captures.end());
    for (const auto& [name, group] : regex.named_groups()) {
        std::string key;
        for (char c : name)
            key.push_back(http::ascii_lower(c));
        auto index = static_cast<size_t>(group);
        ctx.user_variables[key] = index < captures.size() ? std::string(captures[index]) : "";
    }
}

void remember_server_name_captures(RequestContext& ctx, std::string_view host) {
    const std::vector<ServerName>& names = ctx.server->names;
    auto is_regex = [](const ServerName& n) { return n.kind == ServerName::Kind::regex; };
    if (std::none_of(names.begin(), names.end(), is_regex)) return;  // the usual case
    const ServerName* chosen = nullptr;
    int best = 0;
    for (const ServerName& name : names) {
        int rank = server_name_rank(name, host);
        if (rank > best) {
            best = rank;
            chosen = &name;
        }
    }
    if (!chosen || chosen->kind != ServerName::Kind::regex) return;
    std::vector<std::string_view> captures;
    if (chosen->regex->match(host, &captures)) remember_captures(ctx, *chosen->regex, captures);
}

}  // namespace strata::web
