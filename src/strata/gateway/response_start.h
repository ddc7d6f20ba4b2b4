// What start_response() was given, checked and digested: the status code, the headers
// to send, and the length the app announced.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "strata/base/result.h"
#include "strata/gateway/app.h"

namespace strata::gateway {

struct ResponseStart {
    int status = 0;
    std::string status_text;      // "200 OK", as the app wrote it
    ResponseHeaders headers;      // in the app's order, without Content-Length
    int64_t content_length = -1;  // the app's Content-Length; -1 when it gave none
    std::string server;           // the app's own Server header, if any
};

// PEP 3333's rules for start_response's arguments: "NNN reason" status; header names
// are tokens, values carry no control characters; no hop-by-hop headers (RFC 9110
// §7.6.1); at most one valid Content-Length. The error says which rule was broken.
Result<ResponseStart, std::string> check_response_start(std::string_view status,
                                                        ResponseHeaders headers);

// Connection, Keep-Alive, Proxy-Connection, TE, Trailer, Transfer-Encoding, Upgrade…
bool is_hop_by_hop(std::string_view name);

}  // namespace strata::gateway
