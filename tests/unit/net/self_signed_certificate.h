// A self-signed certificate and key for TLS unit tests, written to temporary files
// for the code under test to load, and removed again.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace strata::net {

inline std::string temp_path(const char* stem) {
    static int made = 0;
    return std::string("/tmp/strata-tls-test-") + stem + "-" + std::to_string(getpid()) + "-" +
           std::to_string(++made) + ".pem";
}

// A self-signed P-256 certificate for "localhost" and its key, written to files.
struct SelfSigned {
    std::string certificate = temp_path("cert"), key = temp_path("key");
    SelfSigned(const SelfSigned&) = delete;
    SelfSigned& operator=(const SelfSigned&) = delete;
    SelfSigned() {
        EVP_PKEY* pkey = EVP_EC_gen("P-256");
        X509* x509 = X509_new();
        ASN1_INTEGER_set(X509_get_serialNumber(x509), 1);
        X509_gmtime_adj(X509_getm_notBefore(x509), 0);
        X509_gmtime_adj(X509_getm_notAfter(x509), 3600);
        X509_set_pubkey(x509, pkey);
        X509_NAME* name = X509_get_subject_name(x509);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
        X509_set_issuer_name(x509, name);
        X509_sign(x509, pkey, EVP_sha256());
        FILE* out = fopen(certificate.c_str(), "w");
        PEM_write_X509(out, x509);
        fclose(out);
        out = fopen(key.c_str(), "w");
        PEM_write_PrivateKey(out, pkey, nullptr, nullptr, 0, nullptr, nullptr);
        fclose(out);
        X509_free(x509);
        EVP_PKEY_free(pkey);
    }
    ~SelfSigned() {
        unlink(certificate.c_str());
        unlink(key.c_str());
    }
};

}  // namespace strata::net
