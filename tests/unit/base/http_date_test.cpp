#include "strata/base/http_date.h"

#include <gtest/gtest.h>

#include <string>

namespace strata {
namespace {

std::string format(std::time_t t) {
    char out[kHttpDateLength];
    format_http_date(t, out);
    return {out, kHttpDateLength};
}

TEST(HttpDate, FormatsImfFixdate) {
    EXPECT_EQ(format(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    EXPECT_EQ(format(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");  // RFC 9110's example
    EXPECT_EQ(format(951782400), "Tue, 29 Feb 2000 00:00:00 GMT");
    EXPECT_EQ(format(4102444799), "Thu, 31 Dec 2099 23:59:59 GMT");
}

TEST(HttpDate, CacheReformatsOnlyWhenTheSecondChanges) {
    HttpDateCache cache;
    std::string_view first = cache.get(784111777);
    EXPECT_EQ(first, "Sun, 06 Nov 1994 08:49:37 GMT");
    EXPECT_EQ(cache.get(784111777).data(), first.data());
    EXPECT_EQ(cache.get(784111778), "Sun, 06 Nov 1994 08:49:38 GMT");
}

}  // namespace
}  // namespace strata
