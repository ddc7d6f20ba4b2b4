#include "strata/web/tls_settings.h"

#include <string_view>

#include "strata/config/include.h"
#include "strata/config/values.h"

namespace strata::web {
namespace {

using config::Directive;
using config::fail;
using config::Status;
using config::success;

Status invalid_value(const Directive& d, const std::string& value) {
    return fail(d.where, "invalid value \"" + value + "\" in \"" + d.name + "\" directive");
}

Status set_protocols(const Directive& d, TlsSettings& s) {
    unsigned bits = 0;
    for (const std::string& word : d.args) {
        if (word == "SSLv2" || word == "SSLv3") continue;  // accepted; OpenSSL 3 has neither
        unsigned bit = net::tls_protocol_bit(word);
        if (bit == 0) return invalid_value(d, word);
        bits |= bit;
    }
    s.protocols = bits;
    return success();
}

Status invalid_cache(const Directive& d, const std::string& word) {
    return fail(d.where, "invalid session cache \"" + word + "\"");
}

// shared:NAME:SIZE's size in bytes; nullopt when malformed or under nginx's 8 pages.
std::optional<uint64_t> shared_cache_size(const Directive& d, const std::string& word) {
    size_t colon = word.find(':', 7);
    if (colon == std::string::npos || colon == 7) return std::nullopt;
    Directive size = d;
    size.args = {word.substr(colon + 1)};
    auto parsed = config::parse_size(size);
    if (!parsed || parsed.value() < 8 * 4096) return std::nullopt;
    return static_cast<uint64_t>(parsed.value());
}

// ssl_session_cache off | none | [builtin[:size]] [shared:name:size]; with both, the
// shared cache serves (every worker sees its sessions).
Status set_session_cache(const Directive& d, TlsSettings& s) {
    s.session_cache = net::TlsSessionCache::none;
    std::optional<uint64_t> shared;
    for (const std::string& word : d.args) {
        if (word == "off" || word == "none") {
            if (d.args.size() > 1) return invalid_cache(d, word);
            s.session_cache =
                word == "off" ? net::TlsSessionCache::off : net::TlsSessionCache::none;
        } else if (word == "builtin" || word.rfind("builtin:", 0) == 0) {
            s.session_cache = net::TlsSessionCache::builtin;
            if (word.size() > 8) {
                auto n = config::number_value(std::string_view(word).substr(8));
                if (!n || *n <= 0) return invalid_cache(d, word);
                s.session_cache_size = static_cast<uint64_t>(*n);
            }
        } else if (word.rfind("shared:", 0) == 0) {
            shared = shared_cache_size(d, word);
            if (!shared) return invalid_cache(d, word);
            s.session_cache_name = word.substr(7, word.find(':', 7) - 7);
        } else {
            return invalid_cache(d, word);
        }
    }
    if (shared) {
        s.session_cache = net::TlsSessionCache::shared;
        s.session_cache_size = *shared;
    }
    return success();
}

Status set_flag(const Directive& d, std::optional<bool>& field) {
    auto value = config::parse_flag(d);
    if (!value) return Err{value.error()};
    field = value.value();
    return success();
}

Status add_file(const Directive& d, TlsSettings& s) {
    auto& list = d.name == "ssl_certificate" ? s.certificates : s.keys;
    if (!list) list = std::vector<std::string>{};
    list->push_back(d.args[0]);
    if (d.name == "ssl_certificate" && !s.certificates_where) s.certificates_where = d.where;
    return success();
}

}  // namespace

bool is_tls_setting(std::string_view name) {
    return name == "ssl_certificate" || name == "ssl_certificate_key" || name == "ssl_protocols" ||
           name == "ssl_ciphers" || name == "ssl_dhparam" || name == "ssl_ecdh_curve" ||
           name == "ssl_prefer_server_ciphers" || name == "ssl_session_tickets" ||
           name == "ssl_session_timeout" || name == "ssl_session_cache" ||
           name == "ssl_buffer_size";
}

Status apply_tls_setting(const Directive& d, TlsSettings& s) {
    if (d.name == "ssl_certificate" || d.name == "ssl_certificate_key") return add_file(d, s);
    if (d.name == "ssl_protocols") return set_protocols(d, s);
    if (d.name == "ssl_session_cache") return set_session_cache(d, s);
    if (d.name == "ssl_prefer_server_ciphers") return set_flag(d, s.prefer_server_ciphers);
    if (d.name == "ssl_session_tickets") return set_flag(d, s.session_tickets);
    if (d.name == "ssl_ciphers") s.ciphers = d.args[0];
    if (d.name == "ssl_dhparam") s.dhparam = d.args[0];
    if (d.name == "ssl_ecdh_curve") s.ecdh_curve = d.args[0];
    if (d.name == "ssl_session_timeout") {
        auto seconds = config::parse_time_seconds(d);
        if (!seconds) return Err{seconds.error()};
        s.session_timeout_s = static_cast<uint64_t>(seconds.value());
    }
    return success();  // ssl_buffer_size: accepted; records are sized per write
}

void merge(TlsSettings& c, const TlsSettings& p) {
    if (!c.certificates) {
        c.certificates = p.certificates;
        c.certificates_where = p.certificates_where;
    }
    if (!c.keys) c.keys = p.keys;
    if (!c.protocols) c.protocols = p.protocols;
    if (!c.ciphers) c.ciphers = p.ciphers;
    if (!c.dhparam) c.dhparam = p.dhparam;
    if (!c.ecdh_curve) c.ecdh_curve = p.ecdh_curve;
    if (!c.prefer_server_ciphers) c.prefer_server_ciphers = p.prefer_server_ciphers;
    if (!c.session_tickets) c.session_tickets = p.session_tickets;
    if (!c.session_timeout_s) c.session_timeout_s = p.session_timeout_s;
    if (!c.session_cache) {
        c.session_cache = p.session_cache;
        c.session_cache_size = p.session_cache_size;
        c.session_cache_name = p.session_cache_name;
    }
}

Result<std::shared_ptr<const net::TlsContext>, config::ConfigError> build_tls_context(
    const TlsSettings& s, const std::string& conf_prefix) {
    if (!s.certificates || s.certificates->empty()) return std::shared_ptr<const net::TlsContext>();
    config::SourceLocation where = s.certificates_where.value_or(config::SourceLocation{});
    net::TlsContextOptions o;
    const std::vector<std::string> no_keys;
    const std::vector<std::string>& keys = s.keys ? *s.keys : no_keys;
    for (size_t i = 0; i < s.certificates->size(); ++i) {
        const std::string& certificate = (*s.certificates)[i];
        if (i >= keys.size())
            return fail(where, "no \"ssl_certificate_key\" is defined for certificate \"" +
                                   certificate + "\"");
        o.certificates.push_back({config::resolve_include_path(certificate, conf_prefix),
                                  config::resolve_include_path(keys[i], conf_prefix)});
    }
    if (s.protocols) o.protocols = *s.protocols;
    if (s.ciphers) o.ciphers = *s.ciphers;
    if (s.dhparam) o.dhparam = config::resolve_include_path(*s.dhparam, conf_prefix);
    if (s.ecdh_curve) o.ecdh_curve = *s.ecdh_curve;
    o.prefer_server_ciphers = s.prefer_server_ciphers.value_or(false);
    o.session_tickets = s.session_tickets.value_or(true);
    if (s.session_timeout_s) o.session_timeout_s = *s.session_timeout_s;
    if (s.session_cache) o.session_cache = *s.session_cache;
    if (s.session_cache_size) o.session_cache_size = *s.session_cache_size;
    o.session_cache_name = s.session_cache_name;
    auto context = net::TlsContext::create(o);
    if (!context) return fail(where, context.error());
    return std::shared_ptr<const net::TlsContext>(std::move(context.value()));
}

}  // namespace strata::web
