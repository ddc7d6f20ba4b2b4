#include "strata/web/proxy_uri.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace strata::web {
namespace {

// ngx_escape_uri's NGX_ESCAPE_URI table: a bit per byte, set where it is escaped.
constexpr std::array<uint32_t, 8> kEscapeUri = {
    0xffffffff,  // 0x00-0x1f
    0xd000002d,  // ' ', '"', '#', '%', '<', '>', '?'
    0x50000000,  // '\\', '^'
    0xb8000001,  // '`', '{', '|', '}', DEL
    0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
};

bool escaped(unsigned char c) {
    return (kEscapeUri[c >> 5] & (1u << (c & 0x1f))) != 0;
}

// Whether the client's path came percent-encoded (nginx's quoted_uri).
bool quoted(std::string_view target) {
    std::string_view path = origin_form(target);
    return path.substr(0, path.find('?')).find('%') != std::string_view::npos;
}

}  // namespace

void append_uri_escaped(std::string& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        if (!escaped(c)) {
            out.push_back(ch);
            continue;
        }
        out.push_back('%');
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xf]);
    }
}

std::string_view origin_form(std::string_view target) {
    if (target.empty() || target.front() == '/') return target;
    size_t scheme = target.find("://");
    if (scheme == std::string_view::npos) return target;
    size_t path = target.find_first_of("/?", scheme + 3);
    return path == std::string_view::npos ? "/" : target.substr(path);
}

std::string proxied_uri(const ProxiedRequestUri& request, const ProxyUriRule& rule) {
    bool has_uri = rule.uri_part && !rule.uri_part->empty();
    if (rule.from_variables && has_uri) return std::string(*rule.uri_part);
    if (!has_uri && request.unchanged) return std::string(origin_form(request.target));
    bool location_valid = !request.rewritten_here;
    size_t cut =
        location_valid && has_uri ? std::min(rule.location_prefix.size(), request.uri.size()) : 0;
    std::string out;
    if (location_valid && has_uri) out = *rule.uri_part;
    std::string_view rest = request.uri.substr(cut);
    if (quoted(request.target) || request.internal)
        append_uri_escaped(out, rest);
    else
        out += rest;
    if (!request.args.empty()) {
        out += '?';
        out += request.args;
    }
    return out;
}

}  // namespace strata::web
