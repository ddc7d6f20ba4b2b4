#include "strata/web/settings_builder.h"

#include <functional>
#include <map>
#include <string_view>

#include "strata/base/log.h"
#include "strata/config/values.h"
#include "strata/config/variables.h"
#include "strata/http/request_head.h"
#include "strata/web/detail/setting_fields.h"

namespace strata::web {
namespace {

using config::Directive;
using config::fail;
using config::Status;
using config::success;

using Setter = detail::SettingSetter<LocationSettings>;
const auto flag = &detail::flag_setter<LocationSettings>;
const auto time_ms = &detail::time_ms_setter<LocationSettings>;
const auto size = &detail::size_setter<LocationSettings>;
const auto number = &detail::number_setter<LocationSettings>;
const auto text = &detail::text_setter<LocationSettings>;

Setter words(std::optional<std::vector<std::string>> LocationSettings::*field) {
    return [field](const Directive& d, LocationSettings& s) -> Status {
        s.*field = d.args;
        return success();
    };
}

// types { text/html html htm; … }
Status set_types(const Directive& d, LocationSettings& s) {
    auto types = std::make_shared<MimeTypes>();
    for (const Directive& entry : d.block) {
        for (const std::string& ext : entry.args) {
            std::string key = ext;
            for (char& c : key)
                c = http::ascii_lower(c);
            (*types)[key] = entry.name;
        }
    }
    s.types = std::move(types);
    return success();
}

// error_page code … [=[response]] uri
Status set_error_page(const Directive& d, LocationSettings& s) {
    if (!s.error_pages) s.error_pages = std::map<int, ErrorPage>{};
    ErrorPage page;
    page.uri = d.args.back();
    size_t codes_end = d.args.size() - 1;
    const std::string& maybe_override = d.args[codes_end - 1];
    if (!maybe_override.empty() && maybe_override.front() == '=') {
        --codes_end;
        auto code = config::number_value(std::string_view(maybe_override).substr(1));
        if (maybe_override.size() > 1 && !code)
            return fail(d.where, "invalid value \"" + maybe_override + "\"");
        page.response = maybe_override.size() == 1 ? -1 : static_cast<int>(*code);
    }
    if (codes_end == 0)
        return fail(d.where, "invalid number of arguments in \"error_page\" directive");
    for (size_t i = 0; i < codes_end; ++i) {
        auto code = config::number_value(d.args[i]);
        if (!code || *code < 300 || *code > 599)
            return fail(d.where, "value \"" + d.args[i] + "\" must be between 300 and 599");
        (*s.error_pages)[static_cast<int>(*code)] = page;
    }
    return success();
}

// add_header name value [always]. A level's settings start unset, so its add_headers
// form one list that replaces the inherited one when merged (nginx's rule).
Status add_header(const Directive& d, LocationSettings& s) {
    if (!s.add_headers) s.add_headers = std::vector<AddedHeader>{};
    bool always = d.args.size() == 3;
    if (always && d.args[2] != "always")
        return fail(d.where, "invalid parameter \"" + d.args[2] + "\"");
    s.add_headers->push_back({d.args[0], d.args[1], always});
    return success();
}

Status set_if_modified_since(const Directive& d, LocationSettings& s) {
    const std::string& v = d.args[0];
    if (v == "off")
        s.if_modified_since = IfModifiedSince::off;
    else if (v == "exact")
        s.if_modified_since = IfModifiedSince::exact;
    else if (v == "before")
        s.if_modified_since = IfModifiedSince::before;
    else
        return fail(d.where, "invalid value \"" + v +
                                 "\" in \"if_modified_since\" directive, it must be \"off\", "
                                 "\"exact\" or \"before\"");
    return success();
}

Status set_autoindex_format(const Directive& d, LocationSettings& s) {
    static const std::map<std::string_view, AutoindexFormat> kFormats = {
        {"html", AutoindexFormat::html},
        {"xml", AutoindexFormat::xml},
        {"json", AutoindexFormat::json},
        {"jsonp", AutoindexFormat::jsonp}};
    auto it = kFormats.find(d.args[0]);
    if (it == kFormats.end())
        return fail(d.where, "invalid value \"" + d.args[0] + "\"");  // nginx's enum message
    s.autoindex_format = it->second;
    return success();
}

// keepalive_timeout timeout [header_timeout]: the second is sent in whole seconds in
// "Keep-Alive: timeout=N"; both are set together, so a level never mixes its parent's.
Status set_keepalive_timeout(const Directive& d, LocationSettings& s) {
    auto value = config::parse_time_ms(d);
    if (!value) return Err{value.error()};
    s.keepalive_timeout_ms = static_cast<uint64_t>(value.value());
    s.keepalive_header_s = 0;
    if (d.args.size() > 1) {
        auto header = config::time_value_seconds(d.args[1]);
        if (!header) return fail(d.where, "invalid value \"" + d.args[1] + "\"");
        s.keepalive_header_s = static_cast<uint64_t>(*header);
    }
    return success();
}

// large_client_header_buffers number size: a request line or header line longer than
// `size` is refused. The number (bounding the whole head) is not enforced separately.
Status set_large_header_buffers(const Directive& d, LocationSettings& s) {
    auto count = config::number_value(d.args[0]);
    if (!count || *count == 0) return fail(d.where, "invalid value \"" + d.args[0] + "\"");
    auto bytes = config::parse_size(d, 1);
    if (!bytes) return Err{bytes.error()};
    if (bytes.value() <= 0) return fail(d.where, "invalid value \"" + d.args[1] + "\"");
    s.large_header_buffer_size = static_cast<uint64_t>(bytes.value());
    return success();
}

Status set_keepalive_requests(const Directive& d, LocationSettings& s) {
    auto value = config::parse_number(d);
    if (!value) return Err{value.error()};
    s.keepalive_requests = static_cast<uint64_t>(value.value());
    return success();
}

Status set_gzip_comp_level(const Directive& d, LocationSettings& s) {
    auto value = config::parse_number(d);
    if (!value) return Err{value.error()};
    if (value.value() < 1 || value.value() > 9)
        return fail(d.where, "value must be between 1 and 9");  // nginx's bounds check
    s.gzip_comp_level = static_cast<int>(value.value());
    return success();
}

// access_log off | path [format [buffer=… flush=… gzip if=…]]
Status set_access_log(const Directive& d, LocationSettings& s) {
    if (!s.access_logs) s.access_logs = std::vector<std::pair<std::string, std::string>>{};
    if (d.args[0] == "off") return success();  // the level logs nothing
    std::string format =
        d.args.size() > 1 && d.args[1].find('=') == std::string::npos ? d.args[1] : "combined";
    s.access_logs->emplace_back(d.args[0], format);
    return success();
}

// error_log file [level]: a level keeps all of its own (the schema checked the level).
// nginx has no "off" here: `error_log off` writes to a file named "off".
Status set_error_log(const Directive& d, LocationSettings& s) {
    const std::string& target = d.args[0];
    if (target.rfind("syslog:", 0) == 0 || target.rfind("memory:", 0) == 0)
        return fail(d.where, "\"error_log " + target.substr(0, target.find(':') + 1) +
                                 "\" is not supported yet");
    if (!s.error_logs) s.error_logs = std::vector<ErrorLogSpec>{};
    ErrorLogSpec spec{d.args[0], log::Level::error};
    if (d.args.size() > 1) {
        auto level = log::parse_level(d.args[1]);
        if (!level) return fail(d.where, "invalid log level \"" + d.args[1] + "\"");
        spec.level = *level;
    }
    s.error_logs->push_back(std::move(spec));
    return success();
}

Status set_disable_symlinks(const Directive& d, LocationSettings& s) {
    auto value = parse_disable_symlinks(d.args);
    if (!value) return fail(d.where, value.error());
    s.disable_symlinks = std::move(value.value());
    return success();
}

// client_body_temp_path PATH [LEVELS…]: the levels only spread nginx's named files over
// subdirectories; strata's spool files have no name (O_TMPFILE), so only PATH counts.
Status set_client_body_temp_path(const Directive& d, LocationSettings& s) {
    s.client_body_temp_path = d.args[0];
    return success();
}

Status set_root(const Directive& d, LocationSettings& s) {
    auto root = document_path_text(d);
    if (!root) return Err{root.error()};
    s.root = std::move(root.value());
    return success();
}

Status accept_as_is(const Directive&, LocationSettings&) {
    return success();
}

}  // namespace

Result<VariableText, config::ConfigError> document_path_text(const Directive& d) {
    const std::string& text = d.args.at(0);
    auto compiled = config::compile_value(text, nullptr, d.where);
    if (!compiled) return Err{compiled.error()};
    for (const config::ValuePart& part : compiled->parts) {
        bool made_from_it = part.text == "document_root" || part.text == "realpath_root";
        if (part.kind == config::ValuePart::Kind::variable && made_from_it)
            return fail(d.where, "the $" + part.text + " variable cannot be used in the \"" +
                                     d.name + "\" directive");
    }
    return VariableText(text);
}

namespace {

const std::map<std::string_view, Setter>& setters() {
    static const std::map<std::string_view, Setter> table = {
        {"root", set_root},
        {"index", words(&LocationSettings::index)},
        {"default_type", text(&LocationSettings::default_type)},
        {"types", set_types},
        {"sendfile", flag(&LocationSettings::sendfile)},
        {"tcp_nopush", flag(&LocationSettings::tcp_nopush)},
        {"tcp_nodelay", flag(&LocationSettings::tcp_nodelay)},
        {"server_tokens", flag(&LocationSettings::server_tokens)},
        {"etag", flag(&LocationSettings::etag)},
        {"autoindex", flag(&LocationSettings::autoindex)},
        {"autoindex_exact_size", flag(&LocationSettings::autoindex_exact_size)},
        {"autoindex_localtime", flag(&LocationSettings::autoindex_localtime)},
        {"autoindex_format", set_autoindex_format},
        {"absolute_redirect", flag(&LocationSettings::absolute_redirect)},
        {"server_name_in_redirect", flag(&LocationSettings::server_name_in_redirect)},
        {"port_in_redirect", flag(&LocationSettings::port_in_redirect)},
        {"log_not_found", flag(&LocationSettings::log_not_found)},
        {"if_modified_since", set_if_modified_since},
        {"client_max_body_size", size(&LocationSettings::client_max_body_size)},
        {"keepalive_timeout", set_keepalive_timeout},
        {"keepalive_requests", set_keepalive_requests},
        {"send_timeout", time_ms(&LocationSettings::send_timeout_ms)},
        {"client_body_timeout", time_ms(&LocationSettings::client_body_timeout_ms)},
        {"client_body_buffer_size", size(&LocationSettings::client_body_buffer_size)},
        {"client_body_temp_path", set_client_body_temp_path},
        {"client_header_timeout", time_ms(&LocationSettings::client_header_timeout_ms)},
        {"large_client_header_buffers", set_large_header_buffers},
        {"http2", flag(&LocationSettings::http2)},
        {"http2_max_concurrent_streams", number(&LocationSettings::http2_max_concurrent_streams)},
        {"http2_chunk_size", size(&LocationSettings::http2_chunk_size)},
        {"http2_body_preread_size", size(&LocationSettings::http2_body_preread_size)},
        {"http2_recv_buffer_size", accept_as_is},
        {"http2_idle_timeout", accept_as_is},    // nginx ≥ 1.19.7: keepalive_timeout instead
        {"http2_max_requests", accept_as_is},    // … keepalive_requests
        {"http2_max_field_size", accept_as_is},  // … large_client_header_buffers
        {"http2_max_header_size", accept_as_is},
        {"http2_push", accept_as_is},
        {"http2_push_preload", accept_as_is},
        {"error_page", set_error_page},
        {"add_header", add_header},
        {"access_log", set_access_log},
        {"expires", text(&LocationSettings::expires)},
        {"gzip", flag(&LocationSettings::gzip)},
        {"gzip_vary", flag(&LocationSettings::gzip_vary)},
        {"gzip_types", words(&LocationSettings::gzip_types)},
        {"gzip_disable", words(&LocationSettings::gzip_disable)},
        {"gzip_min_length", size(&LocationSettings::gzip_min_length)},
        {"gzip_comp_level", set_gzip_comp_level},
        {"disable_symlinks", set_disable_symlinks},
        // Accepted with nginx's meaning and nothing to do here yet.
        {"types_hash_max_size", accept_as_is},
        {"types_hash_bucket_size", accept_as_is},
        {"charset", accept_as_is},
        {"gzip_http_version", accept_as_is},
        {"gzip_proxied", accept_as_is},
        {"gzip_buffers", accept_as_is},
        {"error_log", set_error_log},
    };
    return table;
}

}  // namespace

Status apply_setting(const Directive& d, LocationSettings& s, bool& handled) {
    handled = true;
    if (is_proxy_setting(d.name)) return apply_proxy_setting(d, s.proxy);
    if (is_tls_setting(d.name)) return apply_tls_setting(d, s.tls);
    auto it = setters().find(d.name);
    if (it == setters().end()) {
        handled = false;
        return success();
    }
    return it->second(d, s);
}

}  // namespace strata::web
