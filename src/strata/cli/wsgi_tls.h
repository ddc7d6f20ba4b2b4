// gunicorn's SSL settings (--certfile, --keyfile, --ca-certs, --cert-reqs, --ciphers,
// --ssl-version) as the app server's TLS: one context for every listener, made in the
// master before fork.
#pragma once

#include <memory>
#include <string>

#include "strata/base/result.h"
#include "strata/net/tls_context.h"
#include "strata/python/settings.h"

namespace strata::cli {

// gunicorn's is_ssl: a certificate or a key was named.
bool wsgi_uses_tls(const python::WsgiSettings& settings);

// The context's options from the settings, without touching files. Errors name the
// setting: ssl_version TLS_CLIENT cannot serve, cert_reqs above 2, a key without a
// certificate.
Result<net::TlsContextOptions, std::string> wsgi_tls_options(const python::WsgiSettings& settings);

// The listeners' TLS, files loaded; null without TLS. A missing file is gunicorn's
// `certfile "x" does not exist`; one OpenSSL cannot load is named with OpenSSL's reason.
Result<std::shared_ptr<const net::TlsListener>, std::string> wsgi_tls_listener(
    const python::WsgiSettings& settings);

}  // namespace strata::cli
