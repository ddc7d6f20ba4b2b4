#include "strata/http/response_writer.h"

#include <gtest/gtest.h>

#include "strata/http/status.h"

namespace strata::http {
namespace {

TEST(ResponseWriter, SerializesAHead) {
    Buffer out;
    ResponseWriter(out)
        .status(200)
        .header("Server", "strata")
        .date("Sun, 06 Nov 1994 08:49:37 GMT")
        .header("Content-Type", "text/html")
        .content_length(12)
        .connection(true)
        .end();
    EXPECT_EQ(out.view(),
              "HTTP/1.1 200 OK\r\nServer: strata\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
              "Content-Type: text/html\r\nContent-Length: 12\r\nConnection: keep-alive\r\n\r\n");
}

TEST(ResponseWriter, StatusLinesUseNginxPhrases) {
    EXPECT_EQ(status_line(404), "HTTP/1.1 404 Not Found\r\n");
    EXPECT_EQ(status_line(405), "HTTP/1.1 405 Not Allowed\r\n");
    EXPECT_EQ(status_line(414), "HTTP/1.1 414 Request-URI Too Large\r\n");
    EXPECT_EQ(status_line(431), "HTTP/1.1 431 Request Header Fields Too Large\r\n");
    EXPECT_EQ(status_line(299), "HTTP/1.1 299 \r\n");  // nginx: empty reason after the space
    EXPECT_EQ(status_line(418), "HTTP/1.1 418 \r\n");
    EXPECT_EQ(status_line(42), "HTTP/1.1 500 Internal Server Error\r\n");
}

TEST(ResponseWriter, ChunkHeadersAndDecimals) {
    char buf[kMaxChunkHeader];
    EXPECT_EQ(std::string_view(buf, format_chunk_header(0, buf)), "0\r\n");
    EXPECT_EQ(std::string_view(buf, format_chunk_header(0x1a2b, buf)), "1a2b\r\n");
    EXPECT_EQ(std::string_view(buf, format_chunk_header(UINT64_MAX, buf)), "ffffffffffffffff\r\n");
    char digits[20];
    EXPECT_EQ(std::string_view(digits, format_decimal(0, digits)), "0");
    EXPECT_EQ(std::string_view(digits, format_decimal(UINT64_MAX, digits)), "18446744073709551615");
}

TEST(ResponseWriter, LongHeadersGrowTheBuffer) {
    Buffer out(8);
    std::string value(10000, 'v');
    ResponseWriter(out).status(200).header("X", value).end();
    EXPECT_EQ(out.size(), std::string_view("HTTP/1.1 200 OK\r\n").size() + 3 + value.size() + 4);
}

}  // namespace
}  // namespace strata::http
