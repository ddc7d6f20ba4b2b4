// The small HTML body nginx sends with an error status, so clients and tests that
// know nginx's pages see the same shape.
#pragma once

#include <string>
#include <string_view>

namespace strata::http {

// "<html>\r\n<head><title>404 Not Found</title></head>\r\n…<hr><center>strata/0.1.0</center>…"
// `server` is the product token shown at the bottom ("strata" with server_tokens off).
std::string error_page(int status, std::string_view server);

// gunicorn's error body: "<html>\n  <head>\n    <title>Bad Request</title>…" with the
// reason phrase as title and heading (the app server's pages).
std::string gunicorn_error_page(int status);

// Whether nginx has a page for `status`; it sends an empty body for the others.
bool has_error_page(int status);

// nginx ends keep-alive after its own pages for these statuses (the request may not have
// been read to its end, or the server is in trouble): 400, 413, 414, 431, 500, 501.
bool error_page_closes_connection(int status);

}  // namespace strata::http
