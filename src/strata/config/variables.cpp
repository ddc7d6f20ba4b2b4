#include "strata/config/variables.h"

#include <algorithm>
#include <array>

namespace strata::config {
namespace {

constexpr auto kNames = std::to_array<std::string_view>({
    // http core
    "args",
    "binary_remote_addr",
    "body_bytes_sent",
    "bytes_sent",
    "connection",
    "connection_requests",
    "connection_time",
    "content_length",
    "content_type",
    "document_root",
    "document_uri",
    "host",
    "hostname",
    "https",
    "is_args",
    "limit_rate",
    "msec",
    "nginx_version",
    "pid",
    "pipe",
    "proxy_protocol_addr",
    "proxy_protocol_port",
    "proxy_protocol_server_addr",
    "proxy_protocol_server_port",
    "query_string",
    "realpath_root",
    "remote_addr",
    "remote_port",
    "remote_user",
    "request",
    "request_body",
    "request_body_file",
    "request_completion",
    "request_filename",
    "request_id",
    "request_length",
    "request_method",
    "request_time",
    "request_uri",
    "scheme",
    "server_addr",
    "server_name",
    "server_port",
    "server_protocol",
    "status",
    "tcpinfo_rtt",
    "tcpinfo_rttvar",
    "tcpinfo_snd_cwnd",
    "tcpinfo_rcv_space",
    "time_iso8601",
    "time_local",
    "uri",
    // upstream and proxy
    "upstream_addr",
    "upstream_bytes_received",
    "upstream_bytes_sent",
    "upstream_cache_status",
    "upstream_connect_time",
    "upstream_header_time",
    "upstream_response_length",
    "upstream_response_time",
    "upstream_status",
    "proxy_host",
    "proxy_port",
    "proxy_add_x_forwarded_for",
    // gzip, realip, ssl
    "gzip_ratio",
    "realip_remote_addr",
    "realip_remote_port",
    "ssl_cipher",
    "ssl_ciphers",
    "ssl_client_verify",
    "ssl_curves",
    "ssl_early_data",
    "ssl_protocol",
    "ssl_server_name",
    "ssl_session_id",
    "ssl_session_reused",
    "ssl_alpn_protocol",
});

constexpr auto kPrefixes = std::to_array<std::string_view>({
    "arg_",
    "cookie_",
    "http_",
    "sent_http_",
    "sent_trailer_",
    "upstream_http_",
    "upstream_cookie_",
    "upstream_trailer_",
});

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

Err<ConfigError> error_at(const SourceLocation& where, std::string message) {
    return Err{ConfigError{where, std::move(message)}};
}

// Reads the reference that starts after a `$` at text[i]; advances i past it.
Result<ValuePart, ConfigError> read_reference(std::string_view text, std::size_t& i,
                                              const SourceLocation& where) {
    if (i < text.size() && text[i] >= '1' && text[i] <= '9') {
        ValuePart capture{ValuePart::Kind::capture, {}, text[i] - '0'};
        ++i;
        return capture;
    }
    const bool braced = i < text.size() && text[i] == '{';
    if (braced) ++i;
    const std::size_t start = i;
    while (i < text.size() && is_name_char(text[i]))
        ++i;
    const std::string_view name = text.substr(start, i - start);
    if (braced) {
        if (i >= text.size() || text[i] != '}') {
            return error_at(
                where, "the closing bracket in \"" + std::string(name) + "\" variable is missing");
        }
        ++i;
    }
    if (name.empty()) return error_at(where, "invalid variable name");
    return ValuePart{ValuePart::Kind::variable, lower(name), 0};
}

void append_literal(CompiledValue& value, std::string_view text) {
    if (text.empty()) return;
    if (!value.parts.empty() && value.parts.back().kind == ValuePart::Kind::literal) {
        value.parts.back().text += text;
        return;
    }
    value.parts.push_back(ValuePart{ValuePart::Kind::literal, std::string(text), 0});
}

}  // namespace

bool CompiledValue::has_variables() const {
    return std::any_of(parts.begin(), parts.end(),
                       [](const ValuePart& part) { return part.kind != ValuePart::Kind::literal; });
}

void VariableRegistry::add_names(std::span<const std::string_view> names) {
    for (std::string_view name : names)
        add_name(name);
}

void VariableRegistry::add_prefixes(std::span<const std::string_view> prefixes) {
    for (std::string_view prefix : prefixes)
        prefixes_.push_back(lower(prefix));
}

void VariableRegistry::add_name(std::string_view name) {
    names_.insert(lower(name));
}

bool VariableRegistry::knows(std::string_view name) const {
    const std::string key = lower(name);
    if (names_.count(key) != 0) return true;
    return std::any_of(prefixes_.begin(), prefixes_.end(),
                       [&](const std::string& prefix) { return key.starts_with(prefix); });
}

std::span<const std::string_view> nginx_variable_names() {
    return kNames;
}
std::span<const std::string_view> nginx_variable_prefixes() {
    return kPrefixes;
}

VariableRegistry nginx_variables() {
    VariableRegistry registry;
    registry.add_names(kNames);
    registry.add_prefixes(kPrefixes);
    return registry;
}

Result<CompiledValue, ConfigError> compile_value(std::string_view text,
                                                 const VariableRegistry* known,
                                                 const SourceLocation& where) {
    CompiledValue value;
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t dollar = text.find('$', i);
        append_literal(value,
                       text.substr(i, dollar == std::string_view::npos ? dollar : dollar - i));
        if (dollar == std::string_view::npos) break;
        i = dollar + 1;
        auto part = read_reference(text, i, where);
        if (!part) return Err{part.error()};
        if (known != nullptr && part->kind == ValuePart::Kind::variable &&
            !known->knows(part->text)) {
            return error_at(where, "unknown \"" + part->text + "\" variable");
        }
        value.parts.push_back(std::move(part.value()));
    }
    return value;
}

std::vector<std::string> regex_capture_names(std::string_view pattern) {
    std::vector<std::string> names;
    for (std::string_view opener : {"(?<", "(?P<", "(?'"}) {
        for (auto at = pattern.find(opener); at != std::string_view::npos;
             at = pattern.find(opener, at + 1)) {
            std::size_t end = at + opener.size();
            while (end < pattern.size() && is_name_char(pattern[end]))
                ++end;
            if (end > at + opener.size()) {
                names.emplace_back(pattern.substr(at + opener.size(), end - at - opener.size()));
            }
        }
    }
    return names;
}

}  // namespace strata::config
