// The Content-Type for a file name, from the `types` map in force and `default_type`.
#pragma once

#include <string_view>

#include "strata/web/http_config.h"

namespace strata::web {

std::string_view content_type_for(std::string_view path, const LocationSettings& settings);

}  // namespace strata::web
