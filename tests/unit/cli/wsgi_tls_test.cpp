#include "strata/cli/wsgi_tls.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace strata::cli {
namespace {

using python::WsgiSettings;

WsgiSettings with_certificate(std::string certfile = "/etc/ssl/cert.pem") {
    WsgiSettings s;
    s.certfile = std::move(certfile);
    s.ssl_version = 2;  // ssl.PROTOCOL_TLS, gunicorn's default
    return s;
}

TEST(WsgiTls, OnlyWhenACertificateOrKeyIsNamed) {
    WsgiSettings s;
    EXPECT_FALSE(wsgi_uses_tls(s));
    auto none = wsgi_tls_listener(s);
    ASSERT_TRUE(none);
    EXPECT_EQ(*none, nullptr);
    s.keyfile = "k.pem";
    EXPECT_TRUE(wsgi_uses_tls(s));
    EXPECT_TRUE(wsgi_uses_tls(with_certificate()));
}

TEST(WsgiTls, KeyDefaultsToTheCertificateFile) {
    auto o = wsgi_tls_options(with_certificate("both.pem"));
    ASSERT_TRUE(o) << o.error();
    ASSERT_EQ(o->certificates.size(), 1u);
    EXPECT_EQ(o->certificates[0].certificate, "both.pem");
    EXPECT_EQ(o->certificates[0].key, "both.pem");
    WsgiSettings s = with_certificate("c.pem");
    s.keyfile = "k.pem";
    o = wsgi_tls_options(s);
    ASSERT_TRUE(o) << o.error();
    EXPECT_EQ(o->certificates[0].key, "k.pem");
}

TEST(WsgiTls, KeyWithoutCertificateIsAnError) {
    WsgiSettings s;
    s.keyfile = "k.pem";
    auto o = wsgi_tls_options(s);
    ASSERT_FALSE(o);
    EXPECT_NE(o.error().find("certfile"), std::string::npos);
}

TEST(WsgiTls, DefaultsArePythonsContext) {
    auto o = wsgi_tls_options(with_certificate());
    ASSERT_TRUE(o) << o.error();
    EXPECT_EQ(o->protocols, 0u);  // OpenSSL's range, as ssl.PROTOCOL_TLS leaves it
    EXPECT_EQ(o->ciphers, "DEFAULT");
    EXPECT_EQ(o->verify_client, net::TlsVerifyClient::none);
    EXPECT_EQ(o->client_ca, "");
    EXPECT_TRUE(o->session_tickets);
}

TEST(WsgiTls, SslVersionPinsOneProtocol) {
    struct Case {
        std::int64_t ssl_version;
        unsigned protocols;
    };
    for (Case c : {Case{2, 0u}, Case{17, 0u}, Case{3, unsigned{net::kTlsV1}},
                   Case{4, unsigned{net::kTlsV11}}, Case{5, unsigned{net::kTlsV12}}}) {
        WsgiSettings s = with_certificate();
        s.ssl_version = c.ssl_version;
        auto o = wsgi_tls_options(s);
        ASSERT_TRUE(o) << c.ssl_version << ": " << o.error();
        EXPECT_EQ(o->protocols, c.protocols) << c.ssl_version;
    }
    WsgiSettings client = with_certificate();
    client.ssl_version = 16;  // TLS_CLIENT
    EXPECT_FALSE(wsgi_tls_options(client));
}

TEST(WsgiTls, CertReqsIsTheClientVerification) {
    struct Case {
        std::int64_t cert_reqs;
        net::TlsVerifyClient verify;
    };
    for (Case c : {Case{0, net::TlsVerifyClient::none}, Case{1, net::TlsVerifyClient::optional},
                   Case{2, net::TlsVerifyClient::required}}) {
        WsgiSettings s = with_certificate();
        s.cert_reqs = c.cert_reqs;
        s.ca_certs = "ca.pem";
        auto o = wsgi_tls_options(s);
        ASSERT_TRUE(o) << o.error();
        EXPECT_EQ(o->verify_client, c.verify);
        EXPECT_EQ(o->client_ca, "ca.pem");
    }
    WsgiSettings bad = with_certificate();
    bad.cert_reqs = 3;
    EXPECT_FALSE(wsgi_tls_options(bad));
}

TEST(WsgiTls, CiphersAsGiven) {
    WsgiSettings s = with_certificate();
    s.ciphers = "ECDHE+AESGCM";
    auto o = wsgi_tls_options(s);
    ASSERT_TRUE(o) << o.error();
    EXPECT_EQ(o->ciphers, "ECDHE+AESGCM");
}

TEST(WsgiTls, MissingFilesAreGunicornsError) {
    auto missing = wsgi_tls_listener(with_certificate("/nonexistent/cert.pem"));
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error(), "certfile \"/nonexistent/cert.pem\" does not exist");
    WsgiSettings s = with_certificate("/dev/null");
    s.keyfile = "/nonexistent/key.pem";
    missing = wsgi_tls_listener(s);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error(), "keyfile \"/nonexistent/key.pem\" does not exist");
}

TEST(WsgiTls, AFileThatIsNoCertificateStopsStartUp) {
    char path[] = "/tmp/strata-wsgi-tls-XXXXXX";
    int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    ::close(fd);
    std::ofstream(path) << "not a certificate\n";
    auto loaded = wsgi_tls_listener(with_certificate(path));
    std::remove(path);
    ASSERT_FALSE(loaded);
    EXPECT_NE(loaded.error().find("cannot load certificate \"" + std::string(path) + "\""),
              std::string::npos)
        << loaded.error();
}

}  // namespace
}  // namespace strata::cli
