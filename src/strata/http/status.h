// Status codes and their reason phrases (RFC 9110 §15), as nginx writes them.
#pragma once

#include <string_view>

namespace strata::http {

// nginx's own code for a plain HTTP request on an HTTPS port: error_page can catch it;
// the client gets 400 with a page that says why.
inline constexpr int kPlainHttpToHttpsPort = 497;

// The status a response carries for `status`: 400 for nginx's internal 4xx codes
// (497), else `status` itself.
inline constexpr int status_sent_for(int status) {
    return status == kPlainHttpToHttpsPort ? 400 : status;
}

// "OK", "Not Found", …; "" for codes without a registered phrase.
std::string_view reason_phrase(int status);

// The full status line for `status`, e.g. "HTTP/1.1 404 Not Found\r\n".
std::string_view status_line(int status);

}  // namespace strata::http
