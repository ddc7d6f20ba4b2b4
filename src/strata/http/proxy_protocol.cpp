#include "strata/http/proxy_protocol.h"

#include <arpa/inet.h>

#include <cstring>

#include "strata/http/detail/request_line.h"

namespace strata::http {
namespace {

constexpr std::string_view kV1Prefix = "PROXY ";
constexpr std::string_view kV2Signature{"\r\n\r\n\0\r\nQUIT\n", 12};
constexpr size_t kV1MaxLine = 107;  // the specification's bound, CRLF included
constexpr size_t kV2HeaderSize = 16;

ProxyParseResult bad() {
    return {ParseStatus::error, 0, ParseError::bad_proxy_header};
}

// True when `input` could still become `prefix` with more bytes.
bool is_prefix_of(std::string_view input, std::string_view prefix) {
    return input.size() < prefix.size() && prefix.substr(0, input.size()) == input;
}

bool parse_address(std::string_view text, int family, std::string& out) {
    char buf[64];
    unsigned char addr[16];
    if (text.empty() || text.size() >= sizeof buf) return false;
    std::memcpy(buf, text.data(), text.size());
    buf[text.size()] = '\0';
    if (inet_pton(family, buf, addr) != 1) return false;
    out.assign(text);
    return true;
}

bool parse_port(std::string_view text, uint16_t& out) {
    uint64_t value = 0;
    if (text.size() > 5 || (text.size() > 1 && text[0] == '0') ||
        !detail::parse_decimal(text, value) || value > 65535)
        return false;
    out = static_cast<uint16_t>(value);
    return true;
}

// "PROXY TCP4|TCP6 src dst sport dport" or "PROXY UNKNOWN ..."
bool parse_v1_fields(std::string_view line, ProxyInfo& info) {
    std::string_view parts[7];
    size_t n = 0;
    for (; n < 7 && !line.empty(); ++n) {
        size_t sp = line.find(' ');
        parts[n] = line.substr(0, sp);
        line.remove_prefix(sp == std::string_view::npos ? line.size() : sp + 1);
    }
    if (n >= 2 && parts[1] == "UNKNOWN") {  // the rest of the line is to be ignored
        info.local = true;
        return true;
    }
    if (n != 6) return false;
    int family = parts[1] == "TCP4" ? AF_INET : parts[1] == "TCP6" ? AF_INET6 : -1;
    return family != -1 && parse_address(parts[2], family, info.source_address) &&
           parse_address(parts[3], family, info.destination_address) &&
           parse_port(parts[4], info.source_port) && parse_port(parts[5], info.destination_port);
}

ProxyParseResult parse_v1(std::string_view input, ProxyInfo& info) {
    size_t lf = input.substr(0, kV1MaxLine).find('\n');
    if (lf == std::string_view::npos)
        return input.size() >= kV1MaxLine ? bad() : ProxyParseResult{ParseStatus::need_more};
    if (lf == 0 || input[lf - 1] != '\r') return bad();
    if (!parse_v1_fields(input.substr(0, lf - 1), info)) return bad();
    return {ParseStatus::complete, lf + 1};
}

std::string format_address(int family, const unsigned char* bytes) {
    char text[INET6_ADDRSTRLEN];
    return inet_ntop(family, bytes, text, sizeof text) ? text : "";
}

uint16_t read_be16(const unsigned char* p) {
    return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

ProxyParseResult parse_v2(std::string_view input, ProxyInfo& info) {
    if (input.size() < kV2HeaderSize) return {ParseStatus::need_more};
    auto* p = reinterpret_cast<const unsigned char*>(input.data());
    unsigned version = p[12] >> 4, command = p[12] & 0x0f, family = p[13];
    size_t length = read_be16(p + 14);
    if (version != 2 || command > 1) return bad();
    if (input.size() < kV2HeaderSize + length) return {ParseStatus::need_more};
    const unsigned char* a = p + kV2HeaderSize;
    size_t consumed = kV2HeaderSize + length;
    if (command == 0 || family == 0x00) {  // LOCAL, or an unspecified family: keep the socket's
        info.local = true;
        return {ParseStatus::complete, consumed};
    }
    if (family == 0x11 || family == 0x12) {  // TCP/UDP over IPv4
        if (length < 12) return bad();
        info.source_address = format_address(AF_INET, a);
        info.destination_address = format_address(AF_INET, a + 4);
        info.source_port = read_be16(a + 8);
        info.destination_port = read_be16(a + 10);
    } else if (family == 0x21 || family == 0x22) {  // TCP/UDP over IPv6
        if (length < 36) return bad();
        info.source_address = format_address(AF_INET6, a);
        info.destination_address = format_address(AF_INET6, a + 16);
        info.source_port = read_be16(a + 32);
        info.destination_port = read_be16(a + 34);
    } else {
        info.local = true;  // AF_UNIX peers carry no address a client log could use
    }
    return {ParseStatus::complete, consumed};
}

}  // namespace

ProxyParseResult parse_proxy_protocol(std::string_view input, ProxyInfo& info) {
    if (input.substr(0, kV1Prefix.size()) == kV1Prefix) return parse_v1(input, info);
    if (input.substr(0, kV2Signature.size()) == kV2Signature) return parse_v2(input, info);
    if (is_prefix_of(input, kV1Prefix) || is_prefix_of(input, kV2Signature))
        return {ParseStatus::need_more};
    return bad();
}

}  // namespace strata::http
