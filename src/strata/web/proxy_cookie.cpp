#include "strata/web/proxy_cookie.h"

#include <vector>

#include "strata/http/request_head.h"

namespace strata::web {
namespace {

struct CookieAttribute {
    std::string_view name;
    std::optional<std::string> value;  // nullopt: no '='
};

// Only spaces, as nginx: a tab stays part of the name or value.
std::string_view trim_spaces(std::string_view s) {
    while (!s.empty() && s.front() == ' ')
        s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ')
        s.remove_suffix(1);
    return s;
}

CookieAttribute parse_attribute(std::string_view part) {
    size_t equals = part.find('=');
    if (equals == std::string_view::npos) return {trim_spaces(part), std::nullopt};
    return {trim_spaces(part.substr(0, equals)), std::string(trim_spaces(part.substr(equals + 1)))};
}

std::vector<CookieAttribute> parse_attributes(std::string_view value) {
    std::vector<CookieAttribute> attributes;
    while (true) {
        size_t semicolon = value.find(';');
        attributes.push_back(parse_attribute(value.substr(0, semicolon)));
        if (semicolon == std::string_view::npos) return attributes;
        value.remove_prefix(semicolon + 1);
    }
}

std::string joined(const std::vector<CookieAttribute>& attributes) {
    std::string out;
    for (size_t i = 0; i < attributes.size(); ++i) {
        if (i > 0) out += "; ";
        out += attributes[i].name;
        if (attributes[i].value) out += "=" + *attributes[i].value;
    }
    return out;
}

// Whether `attribute` is `name` and `rewrite` changed its value.
bool rewrote(CookieAttribute& attribute, std::string_view name, const CookieValueRewrite& rewrite) {
    if (!rewrite || !attribute.value || !http::iequals(attribute.name, name)) return false;
    auto rewritten = rewrite(*attribute.value);
    if (!rewritten) return false;
    attribute.value = std::move(*rewritten);
    return true;
}

}  // namespace

std::optional<std::string> rewrite_set_cookie(std::string_view value,
                                              const CookieRewrites& rewrites) {
    std::vector<CookieAttribute> attributes = parse_attributes(value);
    if (!attributes.front().value) return std::nullopt;
    bool changed = false;
    for (size_t i = 1; i < attributes.size(); ++i) {
        changed |= rewrote(attributes[i], "domain", rewrites.domain);
        changed |= rewrote(attributes[i], "path", rewrites.path);
    }
    if (!changed) return std::nullopt;
    return joined(attributes);
}

}  // namespace strata::web
