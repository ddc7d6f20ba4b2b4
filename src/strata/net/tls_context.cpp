#include "strata/net/tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <ctime>
#include <functional>

namespace strata::net {
namespace {

using Failure = Err<std::string>;

int listener_index() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

// SNI: the server the client names lends its certificates (the protocol settings stay
// the default server's, as in nginx).
int choose_server(SSL* ssl, int* /*alert*/, void* /*arg*/) {
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    auto* listener = static_cast<const TlsListener*>(SSL_get_ex_data(ssl, listener_index()));
    if (name == nullptr || listener == nullptr || !listener->context_for_name)
        return SSL_TLSEXT_ERR_OK;
    const TlsContext* chosen = listener->context_for_name(name);
    if (chosen != nullptr && chosen->native() != SSL_get_SSL_CTX(ssl))
        SSL_set_SSL_CTX(ssl, chosen->native());
    return SSL_TLSEXT_ERR_OK;
}

// ALPN: "h2" where the listener speaks HTTP/2 and the client offers it, else
// "http/1.1" when offered; a client offering neither goes on without ALPN.
int choose_protocol(SSL* ssl, const unsigned char** out, unsigned char* out_length,
                    const unsigned char* offered, unsigned int offered_length, void* /*arg*/) {
    auto* listener = static_cast<const TlsListener*>(SSL_get_ex_data(ssl, listener_index()));
    static const unsigned char kH2[] = {2, 'h', '2'};
    static const unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    unsigned char* chosen = nullptr;
    if (listener && listener->http2 &&
        SSL_select_next_proto(&chosen, out_length, kH2, sizeof kH2, offered, offered_length) ==
            OPENSSL_NPN_NEGOTIATED) {
        *out = chosen;
        return SSL_TLSEXT_ERR_OK;
    }
    if (SSL_select_next_proto(&chosen, out_length, kHttp11, sizeof kHttp11, offered,
                              offered_length) == OPENSSL_NPN_NEGOTIATED) {
        *out = chosen;
        return SSL_TLSEXT_ERR_OK;
    }
    return SSL_TLSEXT_ERR_NOACK;
}

// ssl_session_cache shared: sessions go to, and come from, the cache of the listener's
// default server (OpenSSL asks the context a connection began with, whatever SNI chose).
SharedSessionCache* shared_cache_of(SSL* ssl) {
    auto* listener = static_cast<const TlsListener*>(SSL_get_ex_data(ssl, listener_index()));
    return listener && listener->default_context ? listener->default_context->shared_cache()
                                                 : nullptr;
}

int context_index() {
    static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

std::string_view session_id(const SSL_SESSION* session) {
    unsigned int length = 0;
    const unsigned char* id = SSL_SESSION_get_id(session, &length);
    return {reinterpret_cast<const char*>(id), length};
}

int store_session(SSL* ssl, SSL_SESSION* session) {
    SharedSessionCache* cache = shared_cache_of(ssl);
    int size = i2d_SSL_SESSION(session, nullptr);
    if (cache == nullptr || size <= 0 || static_cast<size_t>(size) > cache->kMaxSession) return 0;
    std::string bytes(static_cast<size_t>(size), '\0');
    auto* out = reinterpret_cast<unsigned char*>(bytes.data());
    i2d_SSL_SESSION(session, &out);
    int64_t expires = SSL_SESSION_get_time(session) + SSL_SESSION_get_timeout(session);
    cache->store(session_id(session), bytes, std::time(nullptr), expires);
    return 0;  // the cache holds a copy, not a reference
}

SSL_SESSION* find_session(SSL* ssl, const unsigned char* id, int length, int* copy) {
    *copy = 0;
    SharedSessionCache* cache = shared_cache_of(ssl);
    if (cache == nullptr) return nullptr;
    auto found = cache->find({reinterpret_cast<const char*>(id), static_cast<size_t>(length)},
                             std::time(nullptr));
    if (!found) return nullptr;
    const auto* in = reinterpret_cast<const unsigned char*>(found->data());
    return d2i_SSL_SESSION(nullptr, &in, static_cast<long>(found->size()));
}

void drop_session(SSL_CTX* ctx, SSL_SESSION* session) {
    auto* context = static_cast<TlsContext*>(SSL_CTX_get_ex_data(ctx, context_index()));
    if (context && context->shared_cache()) context->shared_cache()->remove(session_id(session));
}

Failure failure(std::string what) {
    std::string errors = take_tls_errors();
    if (!errors.empty()) what += " (SSL: " + errors + ")";
    return Failure{std::move(what)};
}

int version_of(unsigned bit) {
    switch (bit) {
        case kTlsV1:
            return TLS1_VERSION;
        case kTlsV11:
            return TLS1_1_VERSION;
        case kTlsV12:
            return TLS1_2_VERSION;
        default:
            return TLS1_3_VERSION;
    }
}

// The lowest and highest protocol named, and the ones between them left out.
void set_protocols(SSL_CTX* ctx, unsigned protocols) {
    if (protocols == 0) return;
    constexpr unsigned kAll[] = {kTlsV1, kTlsV11, kTlsV12, kTlsV13};
    constexpr uint64_t kOptionFor[] = {SSL_OP_NO_TLSv1, SSL_OP_NO_TLSv1_1, SSL_OP_NO_TLSv1_2,
                                       SSL_OP_NO_TLSv1_3};
    int low = 0, high = 0;
    for (size_t i = 0; i < 4; ++i) {
        if (protocols & kAll[i]) {
            if (low == 0) low = version_of(kAll[i]);
            high = version_of(kAll[i]);
        } else {
            SSL_CTX_set_options(ctx, kOptionFor[i]);
        }
    }
    SSL_CTX_set_min_proto_version(ctx, low);
    SSL_CTX_set_max_proto_version(ctx, high);
}

Result<bool, std::string> load_certificate(SSL_CTX* ctx, const TlsCertificate& pair) {
    if (SSL_CTX_use_certificate_chain_file(ctx, pair.certificate.c_str()) != 1)
        return failure("cannot load certificate \"" + pair.certificate + "\"");
    if (SSL_CTX_use_PrivateKey_file(ctx, pair.key.c_str(), SSL_FILETYPE_PEM) != 1)
        return failure("cannot load certificate key \"" + pair.key + "\"");
    return true;
}

Result<bool, std::string> load_dhparam(SSL_CTX* ctx, const std::string& path) {
    BIO* file = BIO_new_file(path.c_str(), "r");
    if (file == nullptr) return failure("BIO_new_file(\"" + path + "\") failed");
    EVP_PKEY* dh = PEM_read_bio_Parameters(file, nullptr);
    BIO_free(file);
    if (dh == nullptr) return failure("PEM_read_bio_Parameters(\"" + path + "\") failed");
    if (SSL_CTX_set0_tmp_dh_pkey(ctx, dh) != 1) {
        EVP_PKEY_free(dh);
        return failure("SSL_CTX_set0_tmp_dh_pkey(\"" + path + "\") failed");
    }
    return true;
}

// The CAs are also named to clients in the certificate request, as nginx does.
Result<bool, std::string> set_client_verification(SSL_CTX* ctx, const TlsContextOptions& o) {
    if (!o.client_ca.empty()) {
        if (SSL_CTX_load_verify_locations(ctx, o.client_ca.c_str(), nullptr) != 1)
            return failure("cannot load client CA certificates \"" + o.client_ca + "\"");
        STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(o.client_ca.c_str());
        if (names != nullptr) SSL_CTX_set_client_CA_list(ctx, names);
        ERR_clear_error();  // a file without names only leaves the request's list empty
    }
    switch (o.verify_client) {
        case TlsVerifyClient::none:
            SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
            break;
        case TlsVerifyClient::optional:
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
            break;
        case TlsVerifyClient::required:
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
            break;
    }
    return true;
}

void set_session_resumption(SSL_CTX* ctx, const TlsContextOptions& o) {
    // Sessions belong to the certificates they were made with.
    std::string id;
    for (const TlsCertificate& pair : o.certificates)
        id += pair.certificate + '\n';
    size_t hash = std::hash<std::string>{}(id);
    SSL_CTX_set_session_id_context(ctx, reinterpret_cast<const unsigned char*>(&hash), sizeof hash);
    SSL_CTX_set_timeout(ctx, static_cast<long>(o.session_timeout_s));
    if (!o.session_tickets || o.session_cache == TlsSessionCache::off)
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    if (o.session_cache == TlsSessionCache::builtin) {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
        SSL_CTX_sess_set_cache_size(ctx, static_cast<long>(o.session_cache_size));
    } else if (o.session_cache == TlsSessionCache::shared) {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL);
        SSL_CTX_sess_set_new_cb(ctx, store_session);
        SSL_CTX_sess_set_get_cb(ctx, find_session);
        SSL_CTX_sess_set_remove_cb(ctx, drop_session);
    } else {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    }
}

Result<bool, std::string> configure(SSL_CTX* ctx, const TlsContextOptions& o) {
    // Clients may not renegotiate (a denial-of-service lever), compression leaks secrets
    // (CRIME), and a peer that closes without close_notify just ends the stream.
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_ENABLE_KTLS);
    if (o.prefer_server_ciphers) SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
    // Buffers are dropped while a connection is idle; writes may be partial and retried
    // from a buffer that moved (the output queue's).
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                              SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    set_protocols(ctx, o.protocols);
    if (SSL_CTX_set_cipher_list(ctx, o.ciphers.c_str()) != 1)
        return failure("SSL_CTX_set_cipher_list(\"" + o.ciphers + "\") failed");
    if (o.ecdh_curve != "auto" && SSL_CTX_set1_groups_list(ctx, o.ecdh_curve.c_str()) != 1)
        return failure("SSL_CTX_set1_curves_list(\"" + o.ecdh_curve + "\") failed");
    for (const TlsCertificate& pair : o.certificates)
        if (auto loaded = load_certificate(ctx, pair); !loaded) return loaded;
    if (!o.dhparam.empty())
        if (auto loaded = load_dhparam(ctx, o.dhparam); !loaded) return loaded;
    if (auto verifying = set_client_verification(ctx, o); !verifying) return verifying;
    set_session_resumption(ctx, o);
    // SSL_CTX_set_tlsext_servername_callback, without the macro's C-style cast.
    SSL_CTX_callback_ctrl(ctx, SSL_CTRL_SET_TLSEXT_SERVERNAME_CB,
                          reinterpret_cast<void (*)()>(choose_server));
    SSL_CTX_set_alpn_select_cb(ctx, choose_protocol, nullptr);
    return true;
}

}  // namespace

Result<std::shared_ptr<TlsContext>, std::string> TlsContext::create(
    const TlsContextOptions& options) {
    ERR_clear_error();
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == nullptr) return failure("SSL_CTX_new() failed");
    std::shared_ptr<TlsContext> context(new TlsContext(ctx));
    SSL_CTX_set_ex_data(ctx, context_index(), context.get());
    if (options.session_cache == TlsSessionCache::shared)
        context->shared_cache_ =
            SharedSessionCache::named(options.session_cache_name, options.session_cache_size);
    if (auto configured = configure(ctx, options); !configured) return Err{configured.error()};
    return context;
}

TlsContext::~TlsContext() {
    SSL_CTX_free(ctx_);
}

void attach_listener(SSL* ssl, const TlsListener& listener) {
    SSL_set_ex_data(ssl, listener_index(), const_cast<TlsListener*>(&listener));
}

std::string take_tls_errors() {
    std::string out;
    char text[256];
    while (unsigned long code = ERR_get_error()) {
        ERR_error_string_n(code, text, sizeof text);
        if (!out.empty()) out += ' ';
        out += text;
    }
    return out;
}

unsigned tls_protocol_bit(std::string_view word) {
    if (word == "TLSv1") return kTlsV1;
    if (word == "TLSv1.1") return kTlsV11;
    if (word == "TLSv1.2") return kTlsV12;
    if (word == "TLSv1.3") return kTlsV13;
    return 0;
}

}  // namespace strata::net
