// PATH_INFO's decoding: %XX escapes to bytes, as gunicorn's unquote_to_bytes does.
#pragma once

#include <string>
#include <string_view>

namespace strata::python::detail {

// Appends `text` to `out` with every "%XX" (two hex digits) replaced by its byte; a '%'
// not followed by two hex digits stays as it is. No other change ('+' stays '+').
void percent_decode(std::string_view text, std::string& out);

}  // namespace strata::python::detail
