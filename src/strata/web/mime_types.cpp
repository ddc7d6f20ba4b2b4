#include "strata/web/mime_types.h"

#include "strata/http/request_head.h"

namespace strata::web {
namespace {

struct MimeType {
    std::string_view extension, type;
};

// nginx's mime.types for the common extensions.
constexpr MimeType kTypes[] = {
    {"html", "text/html"},
    {"htm", "text/html"},
    {"shtml", "text/html"},
    {"css", "text/css"},
    {"xml", "text/xml"},
    {"txt", "text/plain"},
    {"js", "application/javascript"},
    {"json", "application/json"},
    {"gif", "image/gif"},
    {"jpeg", "image/jpeg"},
    {"jpg", "image/jpeg"},
    {"png", "image/png"},
    {"svg", "image/svg+xml"},
    {"svgz", "image/svg+xml"},
    {"ico", "image/x-icon"},
    {"webp", "image/webp"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"pdf", "application/pdf"},
    {"zip", "application/zip"},
    {"gz", "application/octet-stream"},
    {"bin", "application/octet-stream"},
    {"wasm", "application/wasm"},
    {"mp4", "video/mp4"},
    {"mp3", "audio/mpeg"},
};

}  // namespace

std::string_view mime_type_for(std::string_view path, std::string_view fallback) {
    size_t dot = path.rfind('.');
    if (dot == std::string_view::npos || path.find('/', dot) != std::string_view::npos)
        return fallback;
    std::string_view ext = path.substr(dot + 1);
    for (const MimeType& m : kTypes)
        if (http::iequals(m.extension, ext)) return m.type;
    return fallback;
}

}  // namespace strata::web
