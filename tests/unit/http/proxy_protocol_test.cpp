#include "strata/http/proxy_protocol.h"

#include <gtest/gtest.h>

#include <string>

namespace strata::http {
namespace {

using namespace std::string_view_literals;

TEST(ProxyProtocol, V1Tcp4) {
    ProxyInfo info;
    std::string_view wire = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nGET /";
    ProxyParseResult r = parse_proxy_protocol(wire, info);
    ASSERT_EQ(r.status, ParseStatus::complete);
    EXPECT_EQ(r.consumed, wire.size() - 5);
    EXPECT_EQ(info.source_address, "192.168.0.1");
    EXPECT_EQ(info.destination_address, "192.168.0.11");
    EXPECT_EQ(info.source_port, 56324);
    EXPECT_EQ(info.destination_port, 443);
    EXPECT_FALSE(info.local);
}

TEST(ProxyProtocol, V1Tcp6AndUnknown) {
    ProxyInfo info;
    EXPECT_EQ(parse_proxy_protocol("PROXY TCP6 ::1 2001:db8::1 1 2\r\n", info).status,
              ParseStatus::complete);
    EXPECT_EQ(info.destination_address, "2001:db8::1");
    ProxyInfo unknown;
    EXPECT_EQ(parse_proxy_protocol("PROXY UNKNOWN\r\n", unknown).status, ParseStatus::complete);
    EXPECT_TRUE(unknown.local);
}

TEST(ProxyProtocol, V1Rejects) {
    for (std::string_view bad :
         {"PROXY TCP4 192.168.0.1 192.16...\r\n"sv,
          "PROXY TCP4 192.168.0.1 192.168.0.11 65iii 100000\r\n"sv,
          "PROXY TCP4 not-an-ip 192.168.0.11 56324 443\r\n"sv, "PROXY TCP4 ::1 ::1 1 2\r\n"sv,
          "PROXY TCP4 1.1.1.1 2.2.2.2 1 2 extra\r\n"sv, "PROXY TCP4 1.1.1.1 2.2.2.2 01 2\r\n"sv,
          "PROXY TCP4 1.1.1.1 2.2.2.2 1 2\n"sv, "GET / HTTP/1.1\r\n"sv}) {
        ProxyInfo info;
        EXPECT_EQ(parse_proxy_protocol(bad, info).status, ParseStatus::error) << bad;
    }
    ProxyInfo info;
    std::string endless = "PROXY TCP4 " + std::string(200, '1');
    EXPECT_EQ(parse_proxy_protocol(endless, info).status, ParseStatus::error);
}

TEST(ProxyProtocol, V1NeedsMoreUntilTheLineEnds) {
    ProxyInfo info;
    EXPECT_EQ(parse_proxy_protocol("PRO", info).status, ParseStatus::need_more);
    EXPECT_EQ(parse_proxy_protocol("PROXY TCP4 1.2.3.4", info).status, ParseStatus::need_more);
}

std::string v2_header(unsigned char command, unsigned char family, std::string_view addresses) {
    std::string h("\r\n\r\n\0\r\nQUIT\n", 12);
    h.push_back(static_cast<char>(0x20 | command));
    h.push_back(static_cast<char>(family));
    h.push_back(static_cast<char>(addresses.size() >> 8));
    h.push_back(static_cast<char>(addresses.size() & 0xff));
    return h.append(addresses);
}

TEST(ProxyProtocol, V2Tcp4) {
    std::string wire =
        v2_header(1, 0x11, "\xC0\xA8\x01\x0A\xC0\xA8\x01\x01\x30\x39\x01\xBB"sv) + "GET /";
    ProxyInfo info;
    ProxyParseResult r = parse_proxy_protocol(wire, info);
    ASSERT_EQ(r.status, ParseStatus::complete);
    EXPECT_EQ(r.consumed, 28u);
    EXPECT_EQ(info.source_address, "192.168.1.10");
    EXPECT_EQ(info.destination_address, "192.168.1.1");
    EXPECT_EQ(info.source_port, 12345);
    EXPECT_EQ(info.destination_port, 443);
}

TEST(ProxyProtocol, V2Tcp6LocalAndPartial) {
    std::string six(36, '\0');
    six[15] = 1;   // ::1
    six[33] = 80;  // port 80
    ProxyInfo info;
    std::string wire = v2_header(1, 0x21, six);
    ASSERT_EQ(parse_proxy_protocol(wire, info).status, ParseStatus::complete);
    EXPECT_EQ(info.source_address, "::1");
    EXPECT_EQ(info.source_port, 80);
    for (size_t cut = 0; cut < wire.size(); ++cut) {
        ProxyInfo partial;
        EXPECT_EQ(parse_proxy_protocol(wire.substr(0, cut), partial).status, ParseStatus::need_more)
            << cut;
    }
    ProxyInfo local;
    EXPECT_EQ(parse_proxy_protocol(v2_header(0, 0x00, ""), local).status, ParseStatus::complete);
    EXPECT_TRUE(local.local);
}

TEST(ProxyProtocol, V2Rejects) {
    ProxyInfo info;
    std::string bad_version = v2_header(1, 0x11, std::string(12, '\0'));
    bad_version[12] = 0x31;
    EXPECT_EQ(parse_proxy_protocol(bad_version, info).status, ParseStatus::error);
    EXPECT_EQ(parse_proxy_protocol(v2_header(1, 0x11, "short"), info).status, ParseStatus::error);
    EXPECT_EQ(parse_proxy_protocol(v2_header(5, 0x11, std::string(12, '\0')), info).status,
              ParseStatus::error);
}

}  // namespace
}  // namespace strata::http
