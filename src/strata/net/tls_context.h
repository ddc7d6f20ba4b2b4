// A server's TLS settings made ready for handshakes: certificates and keys loaded, the
// protocol range, ciphers and session resumption set (nginx's ssl_* directives). Built
// in the master before workers fork, so every worker shares its session ticket keys
// and a ticket issued by one worker resumes in another.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "strata/base/result.h"
#include "strata/net/tls_session_cache.h"

using SSL_CTX = struct ssl_ctx_st;
using SSL = struct ssl_st;

namespace strata::net {

// ssl_protocols' words, as a bit set.
enum TlsProtocol : unsigned {
    kTlsV1 = 1u << 0,
    kTlsV11 = 1u << 1,
    kTlsV12 = 1u << 2,
    kTlsV13 = 1u << 3,
};

struct TlsCertificate {
    std::string certificate;  // PEM: the certificate, then its chain
    std::string key;          // PEM private key
};

// ssl_session_cache: "none" lets clients offer sessions that are never stored (nginx's
// default), "off" refuses them, "builtin" keeps them in the worker, "shared" in memory
// all the workers share.
enum class TlsSessionCache : uint8_t { none, off, builtin, shared };

// Client certificates (nginx's ssl_verify_client, gunicorn's cert_reqs): not asked for,
// asked for and checked when sent, or required.
enum class TlsVerifyClient : uint8_t { none, optional, required };

struct TlsContextOptions {
    std::vector<TlsCertificate> certificates;  // one per key type (RSA, ECDSA)
    unsigned protocols = kTlsV12 | kTlsV13;    // 0: OpenSSL's own range (its config file's)
    std::string ciphers = "HIGH:!aNULL:!MD5";  // TLS 1.2 and below, OpenSSL's syntax
    bool prefer_server_ciphers = false;
    bool session_tickets = true;
    uint64_t session_timeout_s = 300;
    TlsSessionCache session_cache = TlsSessionCache::none;
    uint64_t session_cache_size = 20480;  // sessions, for builtin; bytes, for shared
    std::string session_cache_name;       // shared: servers naming one zone share it
    std::string dhparam;                  // PEM DH parameters; empty: no DHE ciphers
    std::string ecdh_curve = "auto";      // key exchange groups ("X25519:prime256v1")
    TlsVerifyClient verify_client = TlsVerifyClient::none;
    std::string client_ca;  // PEM file of the CAs client certificates must chain to
};

class TlsContext {
  public:
    // The message names what failed as nginx does: `cannot load certificate "path": …`.
    static Result<std::shared_ptr<TlsContext>, std::string> create(
        const TlsContextOptions& options);
    ~TlsContext();
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;

    SSL_CTX* native() const { return ctx_; }
    // ssl_session_cache shared: its sessions; null otherwise.
    SharedSessionCache* shared_cache() const { return shared_cache_.get(); }

  private:
    explicit TlsContext(SSL_CTX* ctx) : ctx_(ctx) {}

    SSL_CTX* ctx_;
    std::shared_ptr<SharedSessionCache> shared_cache_;
};

// The TLS side of a listening socket: its default server's context, and the context of
// the server a client names with SNI.
struct TlsListener {
    std::shared_ptr<const TlsContext> default_context;
    // The context of the server named `name`; nullptr keeps the current one.
    std::function<const TlsContext*(std::string_view name)> context_for_name;
    // ALPN offers "h2" (else only "http/1.1").
    bool http2 = false;
};

// Ties a connection's SSL to its listener, whose context_for_name answers SNI.
void attach_listener(SSL* ssl, const TlsListener& listener);

// The queued OpenSSL errors as one line ("error:…:reason"), and the queue emptied.
std::string take_tls_errors();

// An ssl_protocols word's bit ("TLSv1.2" → kTlsV12); 0 for an unknown word.
unsigned tls_protocol_bit(std::string_view word);

}  // namespace strata::net
