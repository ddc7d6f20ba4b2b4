#include "strata/web/uri_path.h"

namespace strata::web {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = static_cast<char>(c | 0x20);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

// Where "?" or "#" begins, else the size. A plain loop: find_first_of() calls memchr
// once per byte of the target.
size_t query_or_fragment_start(std::string_view target) {
    size_t i = 0;
    while (i < target.size() && target[i] != '?' && target[i] != '#')
        ++i;
    return i;
}

// The path of an origin-form or absolute-form target, without query or fragment.
std::string_view path_of(std::string_view target) {
    if (!target.empty() && target.front() != '/') {
        size_t scheme_end = target.find("://");
        if (scheme_end == std::string_view::npos) return {};
        size_t slash = target.find('/', scheme_end + 3);
        target = slash == std::string_view::npos ? "/" : target.substr(slash);
    }
    return target.substr(0, query_or_fragment_start(target));
}

Result<std::string, UriError> percent_decode(std::string_view path) {
    std::string out;
    out.reserve(path.size());
    for (size_t i = 0; i < path.size(); ++i) {
        if (path[i] != '%') {
            out.push_back(path[i]);
            continue;
        }
        int hi = i + 2 < path.size() ? hex_value(path[i + 1]) : -1;
        int lo = hi >= 0 ? hex_value(path[i + 2]) : -1;
        if (lo < 0) return Err{UriError::bad_escape};
        char c = static_cast<char>(hi << 4 | lo);
        if (c == '\0') return Err{UriError::nul_byte};
        out.push_back(c);
        i += 2;
    }
    return out;
}

// Without an escape, an empty segment or a dot segment a path is already normal, as
// most are: it needs neither the decoding copy nor the segment walk.
bool is_already_normal(std::string_view path) {
    char previous = '\0';
    for (char c : path) {
        if (c == '%' || (previous == '/' && (c == '/' || c == '.'))) return false;
        previous = c;
    }
    return true;
}

}  // namespace

Result<std::string, UriError> normalize_target_path(std::string_view target) {
    std::string_view raw = path_of(target);
    if (raw.empty() || raw.front() != '/') return Err{UriError::not_a_path};
    if (is_already_normal(raw)) return std::string(raw);
    auto decoded = percent_decode(raw);
    if (!decoded) return Err{decoded.error()};
    const std::string& path = decoded.value();
    std::string out;
    out.reserve(path.size());
    size_t i = 0;
    while (i < path.size()) {
        size_t end = path.find('/', i + 1);
        if (end == std::string::npos) end = path.size();
        std::string_view segment = std::string_view(path).substr(i + 1, end - i - 1);
        bool last = end == path.size();
        if (segment == "..") {
            if (out.empty()) return Err{UriError::above_root};
            out.resize(out.rfind('/'));
            if (last) out.push_back('/');
        } else if (segment == ".") {
            if (last) out.push_back('/');
        } else if (!segment.empty() || last) {
            out.push_back('/');
            out.append(segment);
        }
        i = end;
    }
    if (out.empty()) out = "/";
    return out;
}

}  // namespace strata::web
