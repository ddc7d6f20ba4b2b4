#include "strata/cli/wsgi_tls.h"

#include <unistd.h>

namespace strata::cli {
namespace {

// Python's ssl.PROTOCOL_* numbers, as settings.cpp's validate_ssl_version keeps them.
constexpr std::int64_t kProtocolTls = 2;  // also SSLv23: negotiate
constexpr std::int64_t kProtocolTlsV1 = 3;
constexpr std::int64_t kProtocolTlsV11 = 4;
constexpr std::int64_t kProtocolTlsV12 = 5;
constexpr std::int64_t kProtocolTlsClient = 16;
constexpr std::int64_t kProtocolTlsServer = 17;

// Python's default ciphers when gunicorn passes none: OpenSSL's own default list.
constexpr const char* kDefaultCiphers = "DEFAULT";

Result<unsigned, std::string> protocols_of(std::int64_t ssl_version) {
    switch (ssl_version) {
        case kProtocolTls:
        case kProtocolTlsServer:
            return 0u;  // what OpenSSL (and its config file) allows, as Python's context
        case kProtocolTlsV1:
            return unsigned{net::kTlsV1};
        case kProtocolTlsV11:
            return unsigned{net::kTlsV11};
        case kProtocolTlsV12:
            return unsigned{net::kTlsV12};
        case kProtocolTlsClient:
            return Err{std::string(
                "ssl_version TLS_CLIENT is a client's protocol: a server cannot use it")};
        default:
            return Err{"Invalid ssl_version: " + std::to_string(ssl_version)};
    }
}

Result<net::TlsVerifyClient, std::string> verify_of(std::int64_t cert_reqs) {
    switch (cert_reqs) {  // ssl.CERT_NONE, CERT_OPTIONAL, CERT_REQUIRED
        case 0:
            return net::TlsVerifyClient::none;
        case 1:
            return net::TlsVerifyClient::optional;
        case 2:
            return net::TlsVerifyClient::required;
        default:
            return Err{"Invalid cert_reqs: " + std::to_string(cert_reqs) +
                       " (0: none, 1: optional, 2: required)"};
    }
}

// gunicorn's early check (sock.py), word for word.
Result<bool, std::string> files_exist(const python::WsgiSettings& s) {
    if (s.certfile && ::access(s.certfile->c_str(), F_OK) != 0)
        return Err{"certfile \"" + *s.certfile + "\" does not exist"};
    if (s.keyfile && ::access(s.keyfile->c_str(), F_OK) != 0)
        return Err{"keyfile \"" + *s.keyfile + "\" does not exist"};
    if (s.ca_certs && ::access(s.ca_certs->c_str(), F_OK) != 0)
        return Err{"ca_certs \"" + *s.ca_certs + "\" does not exist"};
    return true;
}

}  // namespace

bool wsgi_uses_tls(const python::WsgiSettings& settings) {
    return settings.certfile.has_value() || settings.keyfile.has_value();
}

Result<net::TlsContextOptions, std::string> wsgi_tls_options(const python::WsgiSettings& s) {
    if (!s.certfile) return Err{std::string("keyfile is set but certfile is not")};
    auto protocols = protocols_of(s.ssl_version);
    if (!protocols) return Err{protocols.error()};
    auto verify = verify_of(s.cert_reqs);
    if (!verify) return Err{verify.error()};
    net::TlsContextOptions o;
    // Python's load_cert_chain(certfile, keyfile): without a keyfile the key is in the
    // certificate's file.
    o.certificates.push_back({*s.certfile, s.keyfile.value_or(*s.certfile)});
    o.protocols = *protocols;
    o.ciphers = s.ciphers.value_or(kDefaultCiphers);
    o.verify_client = *verify;
    o.client_ca = s.ca_certs.value_or("");
    // Tickets, with keys shared by the workers; no per-process session cache.
    o.session_tickets = true;
    o.session_cache = net::TlsSessionCache::none;
    return o;
}

Result<std::shared_ptr<const net::TlsListener>, std::string> wsgi_tls_listener(
    const python::WsgiSettings& settings) {
    if (!wsgi_uses_tls(settings)) return std::shared_ptr<const net::TlsListener>();
    auto options = wsgi_tls_options(settings);
    if (!options) return Err{options.error()};
    if (auto exist = files_exist(settings); !exist) return Err{exist.error()};
    auto context = net::TlsContext::create(*options);
    if (!context) return Err{context.error()};
    auto listener = std::make_shared<net::TlsListener>();
    listener->default_context = std::move(context).value();
    return std::shared_ptr<const net::TlsListener>(std::move(listener));
}

}  // namespace strata::cli
