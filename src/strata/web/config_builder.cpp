#include "strata/web/config_builder.h"

#include <memory>
#include <thread>

#include "strata/config/location_args.h"
#include "strata/config/status.h"
#include "strata/config/values.h"
#include "strata/web/app_config.h"
#include "strata/web/log_format.h"
#include "strata/web/rewrite.h"
#include "strata/web/settings_builder.h"
#include "strata/web/virtual_hosts.h"

namespace strata::web {
namespace {

using config::Directive;
using config::fail;
using config::Status;
using config::success;

// Directives the schema knows but this server does not carry out yet: refused with a
// clear message rather than silently ignored.
Status not_supported(const Directive& d) {
    return fail(d.where, "\"" + d.name + "\" directive is not supported yet");
}

LocationPattern pattern_of(const config::LocationMatch& m) {
    switch (m.kind) {
        case config::LocationKind::prefix:
            return {LocationKind::prefix, m.name, std::nullopt};
        case config::LocationKind::prefix_no_regex:
            return {LocationKind::no_regex, m.name, std::nullopt};
        case config::LocationKind::exact:
            return {LocationKind::exact, m.name, std::nullopt};
        case config::LocationKind::named:
            return {LocationKind::named, m.name, std::nullopt};
        case config::LocationKind::regex:
        case config::LocationKind::regex_caseless:
            return {LocationKind::regex, m.name, std::nullopt};
    }
    return {};
}

// What building servers and locations needs from the http block.
struct HttpScope {
    const std::string& conf_prefix;  // relative certificate names resolve here
    ErrorLogFiles& logs;
    const UpstreamGroups& upstreams;
    ImplicitUpstreams& implicit;
    const std::string& prefix;  // … and relative temp paths here
};

// A relative client_body_temp_path is under the prefix, as nginx's temp paths are;
// an inherited one is absolute already.
void resolve_temp_path(LocationSettings& s, const std::string& prefix) {
    std::string& path = *s.client_body_temp_path;
    if (!path.empty() && path.front() != '/') path = prefix + path;
}

// `parent_alias`: the enclosing location's alias, if it has one.
Status build_location(const Directive& d, const LocationSettings& parent,
                      const std::optional<Alias>& parent_alias, HttpScope& scope,
                      LocationConfig& out);

// The prefix a URI part in proxy_pass replaces; none where nginx refuses a URI part.
std::optional<std::string> proxy_prefix(const LocationPattern& pattern) {
    if (pattern.kind == LocationKind::regex || pattern.kind == LocationKind::named)
        return std::nullopt;
    return pattern.uri;
}

// A directive inside a location block.
Status apply_location_directive(const Directive& c, LocationConfig& loc) {
    bool handled = false;
    if (Status s = apply_setting(c, loc.settings, handled); !s || handled) return s;
    if (c.name == "alias") {
        auto path = document_path_text(c);
        if (!path) return Err{path.error()};
        bool regex = loc.pattern.kind == LocationKind::regex;
        loc.alias =
            Alias{std::move(path.value()), regex ? Alias::kWholeUri : loc.pattern.uri.size()};
    } else if (c.name == "try_files") {
        loc.try_files = c.args;
    } else if (is_rewrite_directive(c.name)) {
        return add_rewrite_step(c, loc.rewrites);
    } else if (is_app_location_directive(c.name)) {
        return apply_app_location_directive(c, loc);
    } else if (c.name == "proxy_pass") {
        return build_proxy_pass(c, proxy_prefix(loc.pattern), loc.proxy_pass.emplace());
    } else if (c.name == "location") {
        loc.children.emplace_back();  // built once the settings of this level are complete
    } else {
        return not_supported(c);
    }
    return success();
}

// nginx serves a request whose `if` matched from the block's own location: the same
// settings and content handler (an app, an upstream), but no try_files; a proxy_pass
// inside the `if` replaces the location's. Each `if` of the location gets that location.
Status attach_if_locations(LocationConfig& loc, HttpScope& scope) {
    for (RewriteStep& step : loc.rewrites) {
        if (step.kind != RewriteStep::Kind::condition) continue;
        auto inner = std::make_shared<LocationConfig>();
        inner->pattern = loc.pattern;
        inner->where = step.where;
        inner->settings = loc.settings;
        inner->alias = loc.alias;
        inner->app = loc.app;
        inner->proxy_pass = loc.proxy_pass;
        for (const Directive& d : step.location_directives) {
            if (Status s = build_proxy_pass(d, std::nullopt, inner->proxy_pass.emplace()); !s)
                return s;
            if (Status s = bind_proxy_pass(*inner->proxy_pass, scope.upstreams, scope.implicit); !s)
                return s;
        }
        step.if_location = std::move(inner);
    }
    return success();
}

// One content handler per location: an app or an upstream.
Status check_content_handler(const LocationConfig& loc) {
    if (loc.app && loc.proxy_pass)
        return fail(loc.proxy_pass->where, "\"proxy_pass\" and \"wsgi_app\" in one location");
    return success();
}

Status build_location(const Directive& d, const LocationSettings& parent,
                      const std::optional<Alias>& parent_alias, HttpScope& scope,
                      LocationConfig& out) {
    auto match = config::parse_location_args(d);
    if (!match) return Err{match.error()};
    out.pattern = pattern_of(match.value());
    out.where = d.where;
    if (out.pattern.kind == LocationKind::regex) {
        auto regex =
            Regex::compile(out.pattern.uri, match->kind == config::LocationKind::regex_caseless);
        if (!regex) return fail(d.where, regex.error());
        out.pattern.regex = std::move(regex.value());
    }
    for (const Directive& c : d.block)
        if (Status s = apply_location_directive(c, out); !s) return s;
    if (Status s = check_app_mount(out); !s) return s;
    if (Status s = check_content_handler(out); !s) return s;
    if (out.proxy_pass)
        if (Status s = bind_proxy_pass(*out.proxy_pass, scope.upstreams, scope.implicit); !s)
            return s;
    if (!out.alias && !out.settings.root) out.alias = parent_alias;
    merge(out.settings, parent);
    resolve_temp_path(out.settings, scope.prefix);
    compile_derived(out.settings);
    resolve_error_logs(out.settings, scope.logs);
    if (Status s = attach_if_locations(out, scope); !s) return s;
    size_t child = 0;
    for (const Directive& c : d.block)
        if (c.name == "location")
            if (Status s = build_location(c, out.settings, out.alias, scope, out.children[child++]);
                !s)
                return s;
    return success();
}

// listen address [default_server] [ipv6only=on|off] [reuseport] [backlog=N]
Result<ListenConfig, config::ConfigError> build_listen(const Directive& d) {
    ListenConfig l;
    l.text = d.args[0];
    l.where = d.where;
    auto address = net::parse_listen_address(d.args[0]);
    if (!address) return Err{config::ConfigError{d.where, address.error()}};
    l.address = address.value();
    for (size_t i = 1; i < d.args.size(); ++i) {
        const std::string& p = d.args[i];
        if (p == "default_server" || p == "default")
            l.default_server = true;
        else if (p == "reuseport")
            l.options.reuseport = true;
        else if (p == "ipv6only=on")
            l.options.ipv6only = true;
        else if (p == "ipv6only=off")
            l.options.ipv6only = false;
        else if (p.rfind("backlog=", 0) == 0 && config::number_value(p.substr(8)))
            l.options.backlog = static_cast<int>(*config::number_value(p.substr(8)));
        else if (p == "ssl")
            l.ssl = true;
        else if (p == "http2")
            l.http2 = true;
        else if (p == "proxy_protocol" || p == "quic")
            return Err{config::ConfigError{
                d.where, "the \"" + p + "\" parameter of \"listen\" is not supported yet"}};
        else
            return Err{config::ConfigError{d.where, "invalid parameter \"" + p + "\""}};
    }
    return l;
}

Status apply_server_directive(const Directive& c, ServerConfig& server) {
    bool handled = false;
    if (Status s = apply_setting(c, server.settings, handled); !s || handled) return s;
    if (c.name == "listen") {
        auto listen = build_listen(c);
        if (!listen) return Err{listen.error()};
        server.listens.push_back(listen.value());
    } else if (c.name == "server_name") {
        for (const std::string& name : c.args) {
            auto names = parse_server_name(name);
            if (!names) return fail(c.where, names.error());
            if (server.first_name.empty() && server.names.empty()) server.first_name = name;
            server.names.insert(server.names.end(), names->begin(), names->end());
        }
    } else if (is_rewrite_directive(c.name)) {
        return add_rewrite_step(c, server.rewrites);
    } else if (c.name == "location") {
        server.locations.emplace_back();
    } else {
        return not_supported(c);
    }
    return success();
}

// A server that names certificates gets its TLS context now (they load or the config
// fails); one that listens with `ssl` must name some.
Status build_server_tls(ServerConfig& server, const std::string& conf_prefix) {
    auto context = build_tls_context(server.settings.tls, conf_prefix);
    if (!context) return Err{context.error()};
    server.tls = std::move(context.value());
    if (server.tls) return success();
    for (const ListenConfig& l : server.listens)
        if (l.ssl)
            return fail(l.where,
                        "no \"ssl_certificate\" is defined for the \"listen ... ssl\" directive");
    return success();
}

Status build_server(const Directive& d, const LocationSettings& http, HttpScope& scope,
                    ServerConfig& server) {
    server.where = d.where;
    for (const Directive& c : d.block)
        if (Status s = apply_server_directive(c, server); !s) return s;
    if (server.listens.empty()) {  // nginx: *:80 when root, *:8000 otherwise
        ListenConfig l;
        l.text = "*:80";
        l.address = net::parse_listen_address("80").value();
        l.where = d.where;
        server.listens.push_back(l);
    }
    if (server.names.empty()) server.names = parse_server_name("").value();
    merge(server.settings, http);
    resolve_temp_path(server.settings, scope.prefix);
    compile_derived(server.settings);
    resolve_error_logs(server.settings, scope.logs);
    if (Status s = build_server_tls(server, scope.conf_prefix); !s) return s;
    size_t i = 0;
    for (const Directive& c : d.block)
        if (c.name == "location")
            if (Status s =
                    build_location(c, server.settings, std::nullopt, scope, server.locations[i++]);
                !s)
                return s;
    return success();
}

// Two `default_server` flags on one address are an error, as in nginx.
Status check_default_servers(const HttpConfig& http) {
    std::vector<std::string> seen;
    for (const ServerConfig& s : http.servers) {
        for (const ListenConfig& l : s.listens) {
            if (!l.default_server) continue;
            std::string key = address_key(l.address);
            for (const std::string& k : seen)
                if (k == key) return fail(l.where, "a duplicate default server for " + key);
            seen.push_back(key);
        }
    }
    return success();
}

// An address that is TLS for one server is TLS for all of them: the default server, whose
// certificate a client without SNI gets, must have one.
Status check_tls_addresses(const HttpConfig& http) {
    for (const ListenGroup& group : group_by_listen_address(http)) {
        if (!group.ssl || group.default_server->tls) continue;
        for (const ListenConfig& l : group.default_server->listens)
            if (address_key(l.address) == address_key(group.listen.address))
                return fail(l.where,
                            "no \"ssl_certificate\" is defined for the \"listen ... ssl\" "
                            "directive");
    }
    return success();
}

Status build_http(const Directive& d, const std::string& prefix, const std::string& conf_prefix,
                  HttpConfig& http) {
    http.error_log_files = std::make_shared<ErrorLogFiles>(prefix);
    http.log_formats["combined"] =
        compile_log_format(kCombinedLogFormat, LogEscape::standard).value();
    for (const Directive& c : d.block) {
        bool handled = false;
        if (Status s = apply_setting(c, http.settings, handled); !s) return s;
        if (handled) continue;
        if (c.name == "server") {
            http.servers.emplace_back();
        } else if (c.name == "log_format") {
            if (c.args[0] == "combined")
                return fail(c.where, "duplicate \"log_format\" name \"combined\"");
            auto format = compile_log_format(c);
            if (!format) return Err{format.error()};
            http.log_formats[c.args[0]] = std::move(format.value());
        } else if (c.name == "upstream") {
            if (Status s = add_upstream_group(c, http.upstreams); !s) return s;
        } else if (is_app_runtime_directive(c.name)) {
            if (Status s = apply_app_runtime_directive(c, http.app_runtime, prefix); !s) return s;
        } else {
            return not_supported(c);
        }
    }
    if (Status s = check_access_log_formats(d, http.log_formats); !s) return s;
    apply_defaults(http.settings);
    resolve_temp_path(http.settings, prefix);
    compile_derived(http.settings);
    resolve_error_logs(http.settings, *http.error_log_files);
    HttpScope scope{conf_prefix, *http.error_log_files, http.upstreams, http.implicit_upstreams,
                    prefix};
    size_t i = 0;
    for (const Directive& c : d.block)
        if (c.name == "server")
            if (Status s = build_server(c, http.settings, scope, http.servers[i++]); !s) return s;
    if (Status s = check_default_servers(http); !s) return s;
    if (Status s = check_tls_addresses(http); !s) return s;
    return check_upstream_groups(d.block, http.upstreams);
}

std::string absolute(const std::string& path, const std::string& prefix) {
    return path.empty() || path.front() == '/' || path == "stderr" ? path : prefix + path;
}

Status apply_main_directive(const Directive& d, MainConfig& main) {
    if (d.name == "worker_processes") {
        if (d.args[0] == "auto") {
            main.worker_processes =
                static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
            return success();
        }
        auto n = config::parse_number(d);
        if (!n) return Err{n.error()};
        main.worker_processes = static_cast<int>(n.value());
    } else if (d.name == "daemon" || d.name == "master_process") {
        auto on = config::parse_flag(d);
        if (!on) return Err{on.error()};
        (d.name == "daemon" ? main.daemon : main.master_process) = on.value();
    } else if (d.name == "pid") {
        main.pid_file = d.args[0] == "off" ? "" : absolute(d.args[0], main.prefix);
    } else if (d.name == "error_log") {
        main.error_log = absolute(d.args[0], main.prefix);
        if (d.args.size() > 1) main.error_log_level = d.args[1];
    } else if (d.name == "worker_rlimit_nofile") {
        auto n = config::parse_number(d);
        if (!n) return Err{n.error()};
        main.worker_rlimit_nofile = static_cast<uint64_t>(n.value());
    } else if (d.name == "events") {
        for (const Directive& e : d.block) {
            if (e.name != "worker_connections") continue;  // use, multi_accept: accepted
            auto n = config::parse_number(e);
            if (!n) return Err{n.error()};
            main.worker_connections = static_cast<int>(n.value());
        }
    } else if (d.name == "http") {
        return build_http(d, main.prefix, main.conf_prefix, main.http);
    } else if (d.name != "user") {  // `user` needs root to matter; accepted as nginx does
        return not_supported(d);
    }
    return success();
}

}  // namespace

Result<MainConfig, config::ConfigError> build_main_config(const std::vector<Directive>& main_block,
                                                          const std::string& prefix,
                                                          const std::string& conf_prefix) {
    MainConfig main;
    main.prefix = prefix;
    main.conf_prefix = conf_prefix.empty() ? prefix : conf_prefix;
    main.pid_file = prefix + "logs/nginx.pid";
    main.error_log = prefix + "logs/error.log";
    for (const Directive& d : main_block)
        if (Status s = apply_main_directive(d, main); !s) return Err{s.error()};
    return main;
}

}  // namespace strata::web
