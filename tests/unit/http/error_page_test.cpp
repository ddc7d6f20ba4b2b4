#include "strata/http/error_page.h"

#include <gtest/gtest.h>

namespace strata::http {
namespace {

TEST(ErrorPage, NginxShapeNamesStatusAndServer) {
    std::string page = error_page(404, "strata/9");
    EXPECT_NE(page.find("<title>404 Not Found</title>"), std::string::npos);
    EXPECT_NE(page.find("<hr><center>strata/9</center>"), std::string::npos);
}

// Byte for byte what gunicorn 20.1's util.write_error sends with an empty message.
TEST(ErrorPage, GunicornShape) {
    EXPECT_EQ(gunicorn_error_page(500),
              "<html>\n  <head>\n    <title>Internal Server Error</title>\n  </head>\n"
              "  <body>\n    <h1><p>Internal Server Error</p></h1>\n    \n  </body>\n</html>\n");
    EXPECT_NE(gunicorn_error_page(400).find("<h1><p>Bad Request</p></h1>"), std::string::npos);
}

}  // namespace
}  // namespace strata::http
