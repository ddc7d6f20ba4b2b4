#include "strata/net/http2_response_fields.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata::net {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

Fields fields_of(const Http2ResponseFields& f) {
    Fields out;
    for (size_t i = 0; i < f.size(); ++i) {
        const nghttp2_nv& nv = f.data()[i];
        out.emplace_back(std::string(reinterpret_cast<const char*>(nv.name), nv.namelen),
                         std::string(reinterpret_cast<const char*>(nv.value), nv.valuelen));
    }
    return out;
}

TEST(Http2ResponseFields, FixedFieldsFirstThenTheHandlersWithoutConnectionFields) {
    ResponseHead head;
    head.status = 200;
    head.content_type = "text/html";
    head.last_modified = "Mon, 07 Dec 2026 00:00:00 GMT";
    head.headers = {{"ETag", "\"1-c\""},           {"Connection", "close"},
                    {"Keep-Alive", "timeout=5"},   {"Proxy-Connection", "x"},
                    {"Transfer-Encoding", "gzip"}, {"Upgrade", "h2c"},
                    {"X-Seventeen-Chars", "kept"}};
    Http2ResponseFields f;
    f.build(head, 12, "strata", "Mon, 07 Dec 2026 03:00:00 GMT");
    Fields expected = {{":status", "200"},
                       {"server", "strata"},
                       {"date", "Mon, 07 Dec 2026 03:00:00 GMT"},
                       {"content-type", "text/html"},
                       {"content-length", "12"},
                       {"last-modified", "Mon, 07 Dec 2026 00:00:00 GMT"},
                       {"ETag", "\"1-c\""},
                       {"X-Seventeen-Chars", "kept"}};
    EXPECT_EQ(fields_of(f), expected);
    // nghttp2 copies (and lower-cases) the handler's names, not the fixed literals.
    EXPECT_EQ(f.data()[0].flags, NGHTTP2_NV_FLAG_NO_COPY_NAME);
    EXPECT_EQ(f.data()[6].flags, NGHTTP2_NV_FLAG_NONE);
}

TEST(Http2ResponseFields, HeadsOwnServerAndDateWin) {
    ResponseHead head;
    head.server = "app";
    head.date = "then";
    Http2ResponseFields f;
    f.build(head, -1, "strata", "now");
    Fields expected = {{":status", "200"}, {"server", "app"}, {"date", "then"}};
    EXPECT_EQ(fields_of(f), expected);
}

TEST(Http2ResponseFields, NoLengthForStatusesWithoutBody) {
    for (int status : {100, 204, 304}) {
        ResponseHead head;
        head.status = status;
        Http2ResponseFields f;
        f.build(head, 5, "s", "d");
        EXPECT_EQ(f.size(), 3u) << status;  // :status, server, date
    }
}

TEST(Http2ResponseFields, ReusedForTheNextResponse) {
    Http2ResponseFields f;
    ResponseHead first;
    first.location = "/there";
    first.vary_accept_encoding = true;
    f.build(first, 123456789012, "s", "d");
    ResponseHead second;
    second.status = 404;
    f.build(second, 0, "s", "d");
    Fields expected = {{":status", "404"}, {"server", "s"}, {"date", "d"}, {"content-length", "0"}};
    EXPECT_EQ(fields_of(f), expected);
}

}  // namespace
}  // namespace strata::net
