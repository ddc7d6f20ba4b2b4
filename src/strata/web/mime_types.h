// Content types by file extension; issue-sized built-in table until `types {}` and
// mime.types come from the configuration.
#pragma once

#include <string_view>

namespace strata::web {

// The type for `path`'s extension (case-insensitive), or `fallback`.
std::string_view mime_type_for(std::string_view path, std::string_view fallback);

}  // namespace strata::web
