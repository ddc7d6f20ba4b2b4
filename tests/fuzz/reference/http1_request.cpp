#include "reference/http1_request.h"

#include <arpa/inet.h>

#include <optional>
#include <string>
#include <vector>

namespace strata::fuzz::reference {
namespace {

// strata's request-line limit (nginx's 8k): empty lines are skipped only that far.
constexpr size_t kLeadingEmptyLinesLimit = 8192;

// ---- character classes (RFC 9110 §5.6.2, RFC 3986 §2) ----

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_hexdig(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_tchar(char c) {
    return is_alpha(c) || is_digit(c) ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}
bool is_vchar_or_obs_text(char c) {
    auto u = static_cast<unsigned char>(c);
    return (u >= 0x21 && u <= 0x7e) || u >= 0x80;
}
bool is_unreserved(char c) {
    return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}
bool is_sub_delim(char c) {
    return std::string_view("!$&'()*+,;=").find(c) != std::string_view::npos;
}
bool is_ows(char c) {
    return c == ' ' || c == '\t';
}

bool lower_equals(std::string_view a, std::string_view lower) {
    if (a.size() != lower.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        char c = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] + 32) : a[i];
        if (c != lower[i]) return false;
    }
    return true;
}

std::string_view trim_ows(std::string_view s) {
    while (!s.empty() && is_ows(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_ows(s.back()))
        s.remove_suffix(1);
    return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> parts;
    for (;;) {
        size_t at = s.find(sep);
        parts.push_back(s.substr(0, at));
        if (at == std::string_view::npos) return parts;
        s.remove_prefix(at + 1);
    }
}

// RFC 9110 §5.6.1: a list's elements, trimmed; empty ones do not count.
std::vector<std::string_view> list_elements(std::string_view value) {
    std::vector<std::string_view> out;
    for (std::string_view e : split(value, ','))
        if (!trim_ows(e).empty()) out.push_back(trim_ows(e));
    return out;
}

// ---- request-target (RFC 9112 §3.2, RFC 3986 §3.2) ----

// reg-name / IPv4address: unreserved / pct-encoded / sub-delims.
bool is_reg_name(std::string_view s) {
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%') {
            if (i + 2 >= s.size() || !is_hexdig(s[i + 1]) || !is_hexdig(s[i + 2])) return false;
            i += 2;
        } else if (!is_unreserved(s[i]) && !is_sub_delim(s[i])) {
            return false;
        }
    }
    return true;
}

// userinfo = *( unreserved / pct-encoded / sub-delims / ":" )
bool is_userinfo(std::string_view s) {
    for (std::string_view piece : split(s, ':'))
        if (!is_reg_name(piece)) return false;
    return true;
}

// IP-literal = "[" IPv6address "]" (IPvFuture is not an address strata can serve).
bool is_ip_literal(std::string_view s) {
    if (s.size() < 2 || s.front() != '[' || s.back() != ']') return false;
    std::string address(s.substr(1, s.size() - 2));
    in6_addr out{};
    return inet_pton(AF_INET6, address.c_str(), &out) == 1;
}

// A non-empty port that fits a TCP port (RFC 3986 §3.2.3 allows any digits).
bool is_port(std::string_view s) {
    if (s.empty() || s.size() > 5) return false;
    unsigned value = 0;
    for (char c : s) {
        if (!is_digit(c)) return false;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    return value <= 65535;
}

// host [":" port]. An empty host is refused: RFC 9110 §4.2.1 for http(s), and strata for
// every scheme.
bool is_host_port(std::string_view s, bool port_required) {
    std::string_view host = s, port;
    bool has_port = false;
    if (!s.empty() && s.front() == '[') {
        size_t close = s.find(']');
        if (close == std::string_view::npos) return false;
        host = s.substr(0, close + 1);
        std::string_view after = s.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return false;
            port = after.substr(1);
            has_port = true;
        }
        if (!is_ip_literal(host)) return false;
    } else {
        size_t colon = s.rfind(':');
        if (colon != std::string_view::npos) {
            host = s.substr(0, colon);
            port = s.substr(colon + 1);
            has_port = true;
        }
        if (host.empty() || !is_reg_name(host)) return false;
    }
    // RFC 3986 §3.2.3: port = *DIGIT, so "host:" is fine; CONNECT needs a port to reach.
    if (port_required) return has_port && is_port(port);
    return !has_port || port.empty() || is_port(port);
}

// absolute-form: scheme "://" authority path-abempty ["?" query]. A URI without "//"
// authority names nothing strata can serve.
bool is_absolute_form(std::string_view t) {
    size_t colon = t.find(':');
    if (colon == 0 || colon == std::string_view::npos) return false;
    std::string_view scheme = t.substr(0, colon);
    if (!is_alpha(scheme[0])) return false;
    for (char c : scheme)
        if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') return false;
    if (t.substr(colon + 1, 2) != "//") return false;
    std::string_view rest = t.substr(colon + 3);
    std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
    // RFC 9110 §4.2.4 deprecates userinfo; strata accepts it in absolute-form.
    size_t at = authority.rfind('@');
    if (at != std::string_view::npos) {
        if (!is_userinfo(authority.substr(0, at))) return false;
        authority = authority.substr(at + 1);
    }
    return is_host_port(authority, false);
}

bool is_valid_target(std::string_view method, std::string_view target) {
    if (target.empty()) return false;
    // §3.2's grammar is narrower; strata takes any visible byte and obs-text, as nginx.
    for (char c : target)
        if (!is_vchar_or_obs_text(c)) return false;
    if (target.front() == '/') return true;                      // origin-form, §3.2.1
    if (method == "CONNECT") return is_host_port(target, true);  // authority-form, §3.2.3
    if (target == "*") return method == "OPTIONS";               // asterisk-form, §3.2.4
    return is_absolute_form(target);                             // absolute-form, §3.2.2
}

// ---- the head, line by line ----

struct State {
    std::string_view input;
    const Options& options;
    size_t pos = 0;
    bool http11 = true;
    bool http09 = false;
    bool seen_host = false, seen_content_type = false;
    bool seen_length = false, seen_te = false, chunked_seen = false;
    uint64_t length = 0;
    bool close = false, keep_alive_token = false;
    // A bad Content-Length or Transfer-Encoding value is refused at the end of the head,
    // as nginx checks them: a later line's syntax error is said first.
    int refused_value = 0;
};

Verdict reject(int status) {
    Verdict v;
    v.outcome = Outcome::reject;
    v.status = status;
    return v;
}

// The next line without its CRLF; nullopt when it has not fully arrived. A bare LF is
// refused: §2.2 lets a recipient do so.
enum class LineStatus { line, incomplete, bare_lf };
LineStatus next_line(State& s, std::string_view& line) {
    size_t lf = s.input.find('\n', s.pos);
    if (lf == std::string_view::npos) return LineStatus::incomplete;
    if (lf == s.pos || s.input[lf - 1] != '\r') return LineStatus::bare_lf;
    line = s.input.substr(s.pos, lf - 1 - s.pos);
    s.pos = lf + 1;
    return LineStatus::line;
}

bool is_method(std::string_view m) {
    // §3.1 allows any token; strata (as nginx) takes upper-case letters, digits, '_', '-'.
    if (m.empty()) return false;
    for (char c : m)
        if (!(c >= 'A' && c <= 'Z') && !is_digit(c) && c != '_' && c != '-') return false;
    return true;
}

// §3: method SP request-target SP HTTP-version, checked left to right.
int check_request_line(State& s, std::string_view line) {
    std::vector<std::string_view> parts = split(line, ' ');
    if (!is_method(parts[0])) return 400;
    if (parts.size() == 2) {
        // HTTP/0.9's "GET /path" (nginx still answers it): no headers, no body.
        if (parts[0] != "GET" || parts[1].empty() || parts[1][0] != '/') return 400;
        if (!is_valid_target("GET", parts[1])) return 400;
        s.http09 = true;
        return 0;
    }
    if (parts.size() != 3) return 400;
    if (!is_valid_target(parts[0], parts[1])) return 400;
    std::string_view v = parts[2];
    // §2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT; a major version other than 1 gets 505.
    if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || !is_digit(v[5]) || v[6] != '.' ||
        !is_digit(v[7]))
        return 400;
    if (v[5] != '1') return 505;
    s.http11 = v[7] != '0';  // §2.3: a higher 1.x minor is served as 1.1
    return 0;
}

// §6.1: chunked once and last; strata answers any coding but chunked (and the no-op
// "identity" of RFC 2616) with 501, as nginx does.
int on_transfer_encoding(State& s, std::string_view value) {
    s.seen_te = true;
    for (std::string_view coding : list_elements(value)) {
        if (s.chunked_seen) return 400;
        if (lower_equals(coding, "chunked")) {
            s.chunked_seen = true;
        } else if (!lower_equals(coding, "identity")) {
            return 501;
        }
    }
    return 0;
}

// §6.3 / RFC 9110 §8.6: 1*DIGIT; repeated fields must agree. A list ("5, 5") is refused
// (RFC 9110 §8.6 lets a recipient reject it).
int on_content_length(State& s, std::string_view value) {
    if (value.empty()) return 400;
    uint64_t n = 0;
    for (char c : value) {
        if (!is_digit(c)) return 400;
        uint64_t d = static_cast<uint64_t>(c - '0');
        if (n > (UINT64_MAX - d) / 10) return 400;
        n = n * 10 + d;
    }
    if (s.seen_length && n != s.length) return 400;
    s.seen_length = true;
    s.length = n;
    return 0;
}

int on_field(State& s, std::string_view name, std::string_view value) {
    if (lower_equals(name, "host")) {
        if (s.seen_host) return 400;  // RFC 9112 §3.2: more than one Host → 400
        s.seen_host = true;
    } else if (lower_equals(name, "content-type")) {
        if (s.seen_content_type) return 400;  // strata's choice (RFC 9110 §5.3: not a list)
        s.seen_content_type = true;
    } else if (lower_equals(name, "connection")) {
        for (std::string_view option : list_elements(value)) {  // RFC 9112 §9.3
            if (lower_equals(option, "close")) s.close = true;
            if (lower_equals(option, "keep-alive")) s.keep_alive_token = true;
        }
    } else if (lower_equals(name, "content-length")) {
        if (int status = on_content_length(s, value); status && !s.refused_value)
            s.refused_value = status;
    } else if (lower_equals(name, "transfer-encoding")) {
        if (int status = on_transfer_encoding(s, value); status && !s.refused_value)
            s.refused_value = status;
    }
    return 0;
}

// §5: field-name ":" OWS field-value OWS.
int check_field_line(State& s, std::string_view line) {
    // §5.2 obs-fold (and §2.2 whitespace before the first field): strata rejects both.
    if (is_ows(line[0])) return 400;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return 400;
    std::string_view name = line.substr(0, colon);
    for (char c : name)
        if (!is_tchar(c)) return 400;  // §5.1: no whitespace before the colon, tokens only
    std::string_view value = line.substr(colon + 1);
    // §5.5: field-value bytes are VCHAR, obs-text, SP, HTAB; strata rejects any CTL.
    for (char c : value)
        if (!is_vchar_or_obs_text(c) && !is_ows(c)) return 400;
    if (name.find('_') != std::string_view::npos) {
        // nginx's underscores_in_headers: such a field is ignored, refused or kept.
        if (s.options.underscores == Underscores::refuse) return 400;
        if (s.options.underscores == Underscores::drop) return 0;
    }
    return on_field(s, name, trim_ows(value));
}

Verdict finish(const State& s) {
    if (s.refused_value) return reject(s.refused_value);
    if (s.seen_te) {
        // §6.1: not on HTTP/1.0; §6.3: a request whose final coding is not chunked → 400.
        if (!s.http11 || !s.chunked_seen) return reject(400);
        // §6.1: a server may reject Content-Length with Transfer-Encoding; strata does.
        if (s.seen_length) return reject(400);
    }
    if (s.http11 && !s.seen_host && s.options.require_host) return reject(400);  // §3.2
    Verdict v;
    v.outcome = Outcome::complete;
    v.head_end = s.pos;
    v.content_length = s.seen_length ? s.length : 0;
    if (s.seen_te) {
        v.framing = Framing::chunked;
    } else if (s.length > 0) {
        v.framing = Framing::length;
    }
    v.keep_alive = s.http11 ? !s.close : s.keep_alive_token && !s.close;  // §9.3
    return v;
}

}  // namespace

Verdict read_request_head(std::string_view input, const Options& options) {
    State s{input, options};
    // §2.2: empty lines before the request line are ignored (strata: within its limit).
    while (s.pos < kLeadingEmptyLinesLimit && input.substr(s.pos, 2) == "\r\n")
        s.pos += 2;
    std::string_view line;
    switch (next_line(s, line)) {
        case LineStatus::incomplete:
            return {};
        case LineStatus::bare_lf:
            return reject(400);
        case LineStatus::line:
            break;
    }
    if (int status = check_request_line(s, line)) return reject(status);
    if (s.http09) {
        Verdict v;
        v.outcome = Outcome::complete;
        v.head_end = s.pos;
        return v;
    }
    for (;;) {
        switch (next_line(s, line)) {
            case LineStatus::incomplete:
                return {};
            case LineStatus::bare_lf:
                return reject(400);
            case LineStatus::line:
                break;
        }
        if (line.empty()) return finish(s);
        if (int status = check_field_line(s, line)) return reject(status);
    }
}

}  // namespace strata::fuzz::reference
