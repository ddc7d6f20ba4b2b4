// Status codes and their reason phrases (RFC 9110 §15), as nginx writes them.
#pragma once

#include <string_view>

namespace strata::http {

// "OK", "Not Found", …; "" for codes without a registered phrase.
std::string_view reason_phrase(int status);

// The full status line for `status`, e.g. "HTTP/1.1 404 Not Found\r\n".
std::string_view status_line(int status);

}  // namespace strata::http
