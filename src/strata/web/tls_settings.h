// The ssl_* directives of http and server levels (nginx's ngx_http_ssl_module): kept as
// written, inherited downwards, and turned into a server's TLS context at load, so a
// certificate that fails to load is a config error at its directive's file:line.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/config/directive.h"
#include "strata/config/status.h"
#include "strata/net/tls_context.h"

namespace strata::web {

struct TlsSettings {
    // ssl_certificate / ssl_certificate_key, in order: the n-th key goes with the n-th
    // certificate. A level that names any replaces the inherited lists.
    std::optional<std::vector<std::string>> certificates, keys;
    std::optional<config::SourceLocation> certificates_where;  // the first ssl_certificate
    std::optional<unsigned> protocols;                         // net::TlsProtocol bits
    std::optional<std::string> ciphers, dhparam, ecdh_curve;
    std::optional<bool> prefer_server_ciphers, session_tickets;
    std::optional<uint64_t> session_timeout_s;
    std::optional<net::TlsSessionCache> session_cache;
    std::optional<uint64_t> session_cache_size;
    std::string session_cache_name;  // shared:NAME:SIZE's NAME
};

bool is_tls_setting(std::string_view name);
config::Status apply_tls_setting(const config::Directive& d, TlsSettings& settings);
void merge(TlsSettings& child, const TlsSettings& parent);

// The server's TLS context, or nullptr when it names no certificate. `conf_prefix`
// anchors relative file names (nginx's conf prefix). Errors name the directive that
// failed (`cannot load certificate "…"`) or `where` (the `listen … ssl`).
Result<std::shared_ptr<const net::TlsContext>, config::ConfigError> build_tls_context(
    const TlsSettings& settings, const std::string& conf_prefix);

}  // namespace strata::web
