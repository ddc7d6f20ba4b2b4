// `location [=|~|~*|^~] uri { }` and `location @name { }`: how the arguments read,
// and the placement rules nginx enforces when it loads them (nesting, duplicates).
#pragma once

#include <string>

#include "strata/base/result.h"
#include "strata/config/directive.h"
#include "strata/config/parser.h"
#include "strata/config/status.h"

namespace strata::config {

enum class LocationKind { prefix, prefix_no_regex, exact, regex, regex_caseless, named };

struct LocationMatch {
    LocationKind kind = LocationKind::prefix;
    std::string name;  // the uri, the regex, or `@name` (with the @)
};

// Reads both forms, `location ~* \.png$` and `location ~*\.png$`.
// Error: invalid location modifier "x".
Result<LocationMatch, ConfigError> parse_location_args(const Directive& location);

// The checks nginx makes of a location against the location around it and the
// locations before it in the same block (a DirectiveCheck for the schema).
Status check_location_placement(const Directive& location, const BlockFrame& frame);

}  // namespace strata::config
