#include "strata/web/content_type.h"

#include <string>

#include "strata/http/request_head.h"

namespace strata::web {

// nginx looks the extension up after lower-casing it (its types hash is case-insensitive).
std::string_view content_type_for(std::string_view path, const LocationSettings& settings) {
    // One backward scan to the last '.' of the last segment.
    size_t start = path.size();
    while (start > 0 && path[start - 1] != '.' && path[start - 1] != '/')
        --start;
    if (start == 0 || path[start - 1] != '.') return *settings.default_type;
    std::string_view ext = path.substr(start);
    char lower[32];  // extensions are short: lower-cased on the stack
    std::string longer;
    std::string_view key;
    if (ext.size() <= sizeof lower) {
        for (size_t i = 0; i < ext.size(); ++i)
            lower[i] = http::ascii_lower(ext[i]);
        key = {lower, ext.size()};
    } else {
        for (char c : ext)
            longer.push_back(http::ascii_lower(c));
        key = longer;
    }
    auto it = settings.types->find(key);
    return it == settings.types->end() ? std::string_view(*settings.default_type)
                                       : std::string_view(it->second);
}

}  // namespace strata::web
