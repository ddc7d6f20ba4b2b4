#include "strata/web/content_type.h"

#include <string>

#include "strata/http/request_head.h"

namespace strata::web {

// nginx looks the extension up after lower-casing it (its types hash is case-insensitive).
std::string_view content_type_for(std::string_view path, const LocationSettings& settings) {
    size_t slash = path.rfind('/');
    size_t dot = path.rfind('.');
    if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash))
        return *settings.default_type;
    std::string ext(path.substr(dot + 1));
    for (char& c : ext)
        c = http::ascii_lower(c);
    auto it = settings.types->find(ext);
    return it == settings.types->end() ? std::string_view(*settings.default_type)
                                       : std::string_view(it->second);
}

}  // namespace strata::web
