// The path part of a request-target, decoded and normalised the way nginx does before
// mapping it to a file: percent-decoding, merged slashes, "." and ".." resolved.
#pragma once

#include <string>
#include <string_view>

#include "strata/base/result.h"

namespace strata::web {

enum class UriError { bad_escape, nul_byte, above_root, not_a_path };

// "/a/./b/../c%20d?x" → "/a/c d". The result always starts with "/"; ".." above the
// root, "%00" and malformed escapes are errors (nginx answers them with 400).
Result<std::string, UriError> normalize_target_path(std::string_view target);

}  // namespace strata::web
