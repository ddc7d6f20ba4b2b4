#include "strata/web/tls_settings.h"

#include <gtest/gtest.h>

#include "../net/self_signed_certificate.h"
#include "strata/config/parser.h"
#include "strata/web/config_builder.h"

namespace strata::web {
namespace {

Result<MainConfig, config::ConfigError> load(const std::string& http_block) {
    auto tree = config::parse_text("http {\n" + http_block + "\n}", "test.conf");
    if (!tree.ok()) return Err{tree.error()};
    return build_main_config(tree.value(), "/srv/", "/etc/strata/");
}

std::string error_of(const std::string& http_block) {
    auto main = load(http_block);
    if (main) return "loaded";
    return main.error().message + " @" + std::to_string(main.error().where.line);
}

TEST(TlsSettings, ServersWithoutCertificatesHaveNoContext) {
    auto main = load("server { listen 127.0.0.1:1; }");
    ASSERT_TRUE(main) << main.error().message;
    EXPECT_EQ(main->http.servers.at(0).tls, nullptr);
}

TEST(TlsSettings, ListenSslNeedsACertificate) {
    EXPECT_EQ(error_of("server {\n listen 127.0.0.1:1 ssl;\n}"),
              "no \"ssl_certificate\" is defined for the \"listen ... ssl\" directive @3");
}

// A TLS address is TLS for every server on it: its default server needs certificates
// even when its own `listen` does not say ssl.
TEST(TlsSettings, TheDefaultServerOfATlsAddressNeedsACertificate) {
    net::SelfSigned cert;
    std::string second = "server {\n listen 127.0.0.1:1 ssl;\n ssl_certificate " +
                         cert.certificate + ";\n ssl_certificate_key " + cert.key + ";\n}";
    EXPECT_EQ(error_of("server {\n listen 127.0.0.1:1;\n}\n" + second),
              "no \"ssl_certificate\" is defined for the \"listen ... ssl\" directive @3");
    auto loaded = load(second + "\nserver {\n listen 127.0.0.1:1;\n}");
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_NE(loaded->http.servers.at(0).tls, nullptr);
    EXPECT_EQ(loaded->http.servers.at(1).tls, nullptr);  // not the default: SNI keeps the first
}

TEST(TlsSettings, RelativeCertificatesResolveUnderTheConfPrefix) {
    std::string message = error_of(
        "ssl_certificate certs/site.pem;\nssl_certificate_key certs/site.key;\n"
        "server { listen 127.0.0.1:1 ssl; }");
    EXPECT_NE(message.find("cannot load certificate \"/etc/strata/certs/site.pem\""),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("@2"), std::string::npos) << message;
}

TEST(TlsSettings, EveryCertificateNeedsItsKey) {
    EXPECT_EQ(error_of("server {\n listen 127.0.0.1:1 ssl;\n ssl_certificate /a.pem;\n}"),
              "no \"ssl_certificate_key\" is defined for certificate \"/a.pem\" @4");
}

TEST(TlsSettings, ValuesAreChecked) {
    EXPECT_EQ(error_of("ssl_protocols TLSv1.2 TLSv2;"),
              "invalid value \"TLSv2\" in \"ssl_protocols\" directive @2");
    EXPECT_EQ(error_of("ssl_session_cache sometimes;"), "invalid session cache \"sometimes\" @2");
    EXPECT_EQ(error_of("ssl_session_cache builtin:zero;"),
              "invalid session cache \"builtin:zero\" @2");
    EXPECT_EQ(error_of("ssl_session_cache off builtin;"), "invalid session cache \"off\" @2");
    EXPECT_EQ(error_of("ssl_session_tickets maybe;"),
              "invalid value \"maybe\" in \"ssl_session_tickets\" directive, it must be \"on\" "
              "or \"off\" @2");
    EXPECT_EQ(error_of("server { ssl_protocols SSLv3 TLSv1.3; ssl_session_cache builtin:1000 "
                       "shared:SSL:10m; ssl_session_timeout 10m; }"),
              "loaded");
}

TEST(TlsSettings, ServerLevelInheritsAndOverrides) {
    TlsSettings http, server;
    http.protocols = net::kTlsV13;
    http.ciphers = "HIGH";
    http.certificates = std::vector<std::string>{"/http.pem"};
    http.keys = std::vector<std::string>{"/http.key"};
    server.certificates = std::vector<std::string>{"/server.pem"};
    server.keys = std::vector<std::string>{"/server.key"};
    merge(server, http);
    EXPECT_EQ(server.protocols, net::kTlsV13);
    EXPECT_EQ(server.ciphers, "HIGH");
    EXPECT_EQ(server.certificates, std::vector<std::string>{"/server.pem"});
    EXPECT_EQ(server.keys, std::vector<std::string>{"/server.key"});
}

}  // namespace
}  // namespace strata::web
