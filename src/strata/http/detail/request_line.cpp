#include "strata/http/detail/request_line.h"

#include <arpa/inet.h>

#include <algorithm>

namespace strata::http::detail {
namespace {

ParseError parse_version(std::string_view text, Version& out) {
    if (text.size() != 8 || text.substr(0, 5) != "HTTP/" || text[6] != '.' || !is_digit(text[5]) ||
        !is_digit(text[7]))
        return ParseError::bad_version;
    if (text[5] != '1') return ParseError::unsupported_version;
    // RFC 9112 §2.3: a higher minor version is answered as the highest we speak.
    out = text[7] == '0' ? Version::http10 : Version::http11;
    return ParseError::none;
}

bool check_port(std::string_view port) {
    uint64_t value = 0;
    return port.size() <= 5 && parse_decimal(port, value) && value <= 65535;
}

// reg-name / IPv4address (RFC 3986 §3.2.2): unreserved, sub-delims and %HH escapes.
bool check_reg_name(std::string_view name) {
    for (size_t i = 0; i < name.size(); ++i) {
        if (!is(name[i], kRegName)) return false;
        if (name[i] != '%') continue;
        if (i + 2 >= name.size() || !is_hex(name[i + 1]) || !is_hex(name[i + 2])) return false;
        i += 2;
    }
    return true;
}

// userinfo = *( unreserved / pct-encoded / sub-delims / ":" )
bool check_userinfo(std::string_view userinfo) {
    for (size_t colon; (colon = userinfo.find(':')) != std::string_view::npos;) {
        if (!check_reg_name(userinfo.substr(0, colon))) return false;
        userinfo.remove_prefix(colon + 1);
    }
    return check_reg_name(userinfo);
}

// The inside of "[" IP-literal "]": an IPv6 address (IPvFuture names nothing we can reach).
bool check_ipv6(std::string_view literal) {
    char text[INET6_ADDRSTRLEN] = {};
    if (literal.empty() || literal.size() >= sizeof text) return false;
    literal.copy(text, literal.size());
    in6_addr address;
    return inet_pton(AF_INET6, text, &address) == 1;
}

// host [":" port], host being reg-name / IPv4 / "[" IP-literal "]". CONNECT's
// authority-form needs a port; elsewhere "host:" is allowed (RFC 3986 §3.2.3).
bool check_host_port(std::string_view authority, bool port_required) {
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
        size_t close = authority.find(']');
        if (close == std::string_view::npos || !check_ipv6(authority.substr(1, close - 1)))
            return false;
        std::string_view rest = authority.substr(close + 1);
        if (!rest.empty() && rest.front() != ':') return false;
        port = rest.substr(std::min<size_t>(1, rest.size()));
    } else {
        size_t colon = authority.rfind(':');
        std::string_view host = authority.substr(0, colon);
        if (colon != std::string_view::npos) port = authority.substr(colon + 1);
        if (host.empty() || !check_reg_name(host)) return false;
    }
    if (port_required && port.empty()) return false;
    return port.empty() || check_port(port);
}

// scheme "://" [userinfo "@"] host [":" port] [path-abempty] ["?" query] (RFC 3986 §3).
bool check_absolute_form(std::string_view target) {
    size_t colon = target.find("://");
    if (colon == 0 || colon == std::string_view::npos) return false;
    std::string_view scheme = target.substr(0, colon);
    if (!is_alpha(scheme.front())) return false;
    for (char c : scheme)
        if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') return false;
    std::string_view rest = target.substr(colon + 3);
    std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
    if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
        if (!check_userinfo(authority.substr(0, at))) return false;
        authority.remove_prefix(at + 1);
    }
    return check_host_port(authority, false);
}

}  // namespace

ParseError check_target(std::string_view method, std::string_view target) {
    if (target.empty() || !all_of(target, kTarget)) return ParseError::bad_target;
    if (target.front() == '/') return ParseError::none;  // origin-form
    if (method == "CONNECT")
        return check_host_port(target, true) ? ParseError::none : ParseError::bad_target;
    if (target == "*") return method == "OPTIONS" ? ParseError::none : ParseError::bad_target;
    return check_absolute_form(target) ? ParseError::none : ParseError::bad_target;
}

ParseError parse_request_line(std::string_view line, RequestLine& out) {
    size_t sp1 = line.find(' ');
    if (sp1 == std::string_view::npos) {
        // No space at all: a garbled line unless the method itself is bad.
        return all_of(line, kMethod) ? ParseError::bad_request_line : ParseError::bad_method;
    }
    out.method = line.substr(0, sp1);
    if (out.method.empty() || !all_of(out.method, kMethod)) return ParseError::bad_method;
    std::string_view rest = line.substr(sp1 + 1);
    size_t sp2 = rest.find(' ');
    out.target = rest.substr(0, sp2);
    if (sp2 == std::string_view::npos) {
        // HTTP/0.9: "GET /path" and nothing else.
        if (out.method != "GET" || out.target.empty() || out.target.front() != '/')
            return ParseError::bad_request_line;
        out.version = Version::http09;
        return all_of(out.target, kTarget) ? ParseError::none : ParseError::bad_target;
    }
    if (ParseError e = check_target(out.method, out.target); e != ParseError::none) return e;
    return parse_version(rest.substr(sp2 + 1), out.version);
}

bool parse_decimal(std::string_view text, uint64_t& out) {
    if (text.empty()) return false;
    uint64_t value = 0;
    for (char c : text) {
        if (!is_digit(c)) return false;
        uint64_t digit = static_cast<uint64_t>(c - '0');
        if (value > (UINT64_MAX - digit) / 10) return false;
        value = value * 10 + digit;
    }
    out = value;
    return true;
}

}  // namespace strata::http::detail
