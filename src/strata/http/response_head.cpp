#include "strata/http/response_head.h"

namespace strata::http {

std::string_view ResponseHead::find(std::string_view name) const {
    for (const Header& h : headers)
        if (iequals(h.name, name)) return h.value;
    return {};
}

}  // namespace strata::http
