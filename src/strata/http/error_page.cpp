#include "strata/http/error_page.h"

#include "strata/http/status.h"

namespace strata::http {

namespace {

// Where nginx's page title differs from its status line.
std::string_view page_phrase(int status) {
    if (status == 302) return "Found";
    if (status == 401) return "Authorization Required";
    return reason_phrase(status);
}

}  // namespace

bool has_error_page(int status) {
    return status == kPlainHttpToHttpsPort || (status >= 301 && status <= 303) || status == 307 ||
           status == 308 || (status >= 400 && status <= 416 && status != 407) || status == 421 ||
           status == 429 || status == 431 || (status >= 500 && status <= 505) || status == 507;
}

bool error_page_closes_connection(int status) {
    return status == 400 || status == kPlainHttpToHttpsPort || status == 413 || status == 414 ||
           status == 431 || status == 500 || status == 501;
}

namespace {

// nginx's page for a plain HTTP request on an HTTPS port: the reason in the title and
// on a line of its own under the status.
std::string plain_http_page(std::string_view server) {
    constexpr std::string_view kWhy = "The plain HTTP request was sent to HTTPS port";
    std::string page = "<html>\r\n<head><title>400 ";
    page.append(kWhy).append("</title></head>\r\n<body>\r\n");
    page.append("<center><h1>400 Bad Request</h1></center>\r\n<center>");
    page.append(kWhy).append("</center>\r\n");
    page.append("<hr><center>").append(server).append("</center>\r\n</body>\r\n</html>\r\n");
    return page;
}

}  // namespace

std::string error_page(int status, std::string_view server) {
    if (status == kPlainHttpToHttpsPort) return plain_http_page(server);
    std::string title = std::to_string(status);
    std::string_view phrase = page_phrase(status);
    if (!phrase.empty()) title.append(" ").append(phrase);
    std::string page;
    page.reserve(160 + 2 * title.size());
    page.append("<html>\r\n<head><title>").append(title).append("</title></head>\r\n<body>\r\n");
    page.append("<center><h1>").append(title).append("</h1></center>\r\n");
    page.append("<hr><center>").append(server).append("</center>\r\n</body>\r\n</html>\r\n");
    return page;
}

std::string gunicorn_error_page(int status) {
    std::string_view reason = reason_phrase(status);
    std::string page = "<html>\n  <head>\n    <title>";
    page.append(reason);
    page.append("</title>\n  </head>\n  <body>\n    <h1><p>");
    page.append(reason);
    page.append("</p></h1>\n    \n  </body>\n</html>\n");
    return page;
}

}  // namespace strata::http
