#include "strata/web/location_match.h"

namespace strata::web {

bool prefix_matches(const LocationPattern& p, std::string_view uri) {
    return uri.substr(0, p.uri.size()) == p.uri;
}

}  // namespace strata::web
