#include "strata/http/parse_error.h"

namespace strata::http {

int status_for(ParseError error) {
    switch (error) {
        case ParseError::none:
            return 200;
        case ParseError::unsupported_version:
            return 505;
        case ParseError::unsupported_transfer_encoding:
            return 501;
        case ParseError::request_line_too_long:
            return 414;
        case ParseError::header_line_too_long:
        case ParseError::too_many_headers:
            return 431;
        case ParseError::body_too_large:
            return 413;
        case ParseError::bad_status_line:
        case ParseError::bad_status_code:
        case ParseError::response_head_too_large:
            return 502;
        default:
            return 400;
    }
}

std::string_view describe(ParseError error) {
    switch (error) {
        case ParseError::none:
            return "no error";
        case ParseError::bad_request_line:
            return "invalid request line";
        case ParseError::bad_method:
            return "invalid method";
        case ParseError::bad_target:
            return "invalid request target";
        case ParseError::bad_version:
            return "invalid HTTP version";
        case ParseError::unsupported_version:
            return "unsupported HTTP version";
        case ParseError::bad_header_name:
            return "invalid header name";
        case ParseError::bad_header_value:
            return "invalid header value";
        case ParseError::obsolete_folding:
            return "obsolete line folding";
        case ParseError::refused_header_name:
            return "header name with underscore refused";
        case ParseError::missing_host:
            return "HTTP/1.1 request without Host";
        case ParseError::duplicate_header:
            return "duplicate header";
        case ParseError::bad_content_length:
            return "invalid Content-Length";
        case ParseError::length_and_chunked:
            return "both Content-Length and Transfer-Encoding";
        case ParseError::bad_transfer_encoding:
            return "invalid Transfer-Encoding";
        case ParseError::unsupported_transfer_encoding:
            return "unknown transfer coding";
        case ParseError::request_line_too_long:
            return "request line too long";
        case ParseError::header_line_too_long:
            return "header line too long";
        case ParseError::too_many_headers:
            return "too many headers";
        case ParseError::body_too_large:
            return "request body too large";
        case ParseError::bad_chunk_size:
            return "invalid chunk size";
        case ParseError::bad_chunk_extension:
            return "invalid chunk extension";
        case ParseError::missing_chunk_terminator:
            return "chunk not terminated by CRLF";
        case ParseError::forbidden_trailer:
            return "forbidden field in trailer section";
        case ParseError::bad_proxy_header:
            return "invalid PROXY protocol header";
        case ParseError::bad_status_line:
            return "invalid status line";
        case ParseError::bad_status_code:
            return "invalid status code";
        case ParseError::response_head_too_large:
            return "response header too large";
    }
    return "unknown error";
}

}  // namespace strata::http
