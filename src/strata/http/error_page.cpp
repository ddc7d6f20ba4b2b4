#include "strata/http/error_page.h"

#include "strata/http/status.h"

namespace strata::http {

std::string error_page(int status, std::string_view server) {
    std::string title = std::to_string(status);
    std::string_view phrase = reason_phrase(status);
    if (!phrase.empty()) title.append(" ").append(phrase);
    std::string page;
    page.reserve(160 + 2 * title.size());
    page.append("<html>\r\n<head><title>").append(title).append("</title></head>\r\n<body>\r\n");
    page.append("<center><h1>").append(title).append("</h1></center>\r\n");
    page.append("<hr><center>").append(server).append("</center>\r\n</body>\r\n</html>\r\n");
    return page;
}

}  // namespace strata::http
