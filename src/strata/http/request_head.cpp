#include "strata/http/request_head.h"

namespace strata::http {

std::string_view to_string(Version version) {
    switch (version) {
        case Version::http09:
            return "";
        case Version::http10:
            return "HTTP/1.0";
        case Version::http11:
            return "HTTP/1.1";
        case Version::http2:
            return "HTTP/2.0";
    }
    return "";
}

std::string_view RequestHead::find(std::string_view name) const {
    for (const Header& h : headers)
        if (iequals(h.name, name)) return h.value;
    return {};
}

}  // namespace strata::http
