#include "strata/base/http_date.h"

#include <gtest/gtest.h>

#include <optional>
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

// Every expectation below was checked against nginx 1.22.1 by sending the date as
// If-Modified-Since for a file whose mtime is the expected time (304 = parsed to exactly
// that second, 200 = rejected): nginx's date parser decides what strata accepts.
struct DateCase {
    const char* text;
    std::optional<std::time_t> expected;
};

constexpr std::time_t k2069 = 3129321600;   // Fri, 01 Mar 2069 00:00:00 GMT
constexpr std::time_t kLeap = 951868799;    // Tue, 29 Feb 2000 23:59:59 GMT
constexpr std::time_t k2038 = 2147483648;   // Tue, 19 Jan 2038 03:14:08 GMT (past int32)
constexpr std::time_t k2400 = 13574563200;  // Tue, 29 Feb 2400 00:00:00 GMT

const DateCase kDateCases[] = {
    // The three forms of RFC 9110 §5.6.7.
    {"Sun, 06 Nov 1994 08:49:37 GMT", 784111777},
    {"Sunday, 06-Nov-94 08:49:37 GMT", 784111777},
    {"Sun Nov  6 08:49:37 1994", 784111777},
    {"Thu, 01 Jan 1970 00:00:00 GMT", 0},
    {"Thursday, 01-Jan-70 00:00:00 GMT", 0},
    {"Fri, 01 Mar 2069 00:00:00 GMT", k2069},
    {"Friday, 01-Mar-69 00:00:00 GMT", k2069},  // two-digit years below 70 are 20xx
    {"Fri Mar  1 00:00:00 2069", k2069},
    {"Fri Mar 1 00:00:00 2069", k2069},
    {"Fri Mar 01 00:00:00 2069", k2069},
    {"Tue, 29 Feb 2000 23:59:59 GMT", kLeap},
    {"Tuesday, 29-Feb-00 23:59:59 GMT", kLeap},
    {"Tue Feb 29 23:59:59 2000", kLeap},
    {"Tue, 19 Jan 2038 03:14:08 GMT", k2038},
    {"Tue, 29 Feb 2400 00:00:00 GMT", k2400},
    // nginx's tolerance: weekday unchecked, the zone and anything after it ignored.
    {"Mon, 06 Nov 1994 08:49:37 GMT", 784111777},
    {"Xyz, 06 Nov 1994 08:49:37 GMT", 784111777},
    {", 06 Nov 1994 08:49:37 GMT", 784111777},
    {"Sun,06 Nov 1994 08:49:37 GMT", 784111777},
    {"Sun,  06 Nov 1994 08:49:37 GMT", 784111777},
    {"Sun  Nov  6 08:49:37 1994", 784111777},
    {"Sun, 06 Nov 1994 08:49:37", 784111777},
    {"Sun, 06 Nov 1994 08:49:37 UTC", 784111777},
    {"Sun, 06 Nov 1994 08:49:37 +0100", 784111777},
    {"Sun, 06 Nov 1994 08:49:37GMT", 784111777},
    {"Sun, 06 Nov 1994 08:49:37 GMT junk", 784111777},
    {"Sun, 06 Nov 1994 08:49:37.0 GMT", 784111777},
    {"Sun Nov  6 08:49:37 1994 GMT", 784111777},
    // Rejected.
    {"", std::nullopt},
    {"junk", std::nullopt},
    {"Sun", std::nullopt},
    {"06 Nov 1994 08:49:37 GMT", std::nullopt},        // no weekday
    {"Sun 06 Nov 1994 08:49:37 GMT", std::nullopt},    // IMF date without the comma
    {"Sun, 6 Nov 1994 08:49:37 GMT", std::nullopt},    // one-digit day
    {"Sun, 06  Nov 1994 08:49:37 GMT", std::nullopt},  // extra space
    {"Sun, 06 Nov  1994 08:49:37 GMT", std::nullopt},
    {"Sun, 06 Nov 1994  08:49:37 GMT", std::nullopt},
    {"Sun, 06 nov 1994 08:49:37 GMT", std::nullopt},  // month is case-sensitive
    {"Sun, 06 NOV 1994 08:49:37 GMT", std::nullopt},
    {"sun, 06 nov 1994 08:49:37 gmt", std::nullopt},
    {"Sun, 06 Nov 94 08:49:37 GMT", std::nullopt},  // IMF needs four digits
    {"Sun, 06 Nov 01994 08:49:37 GMT", std::nullopt},
    {"Sun, 06-Nov-1994 08:49:37 GMT", std::nullopt},  // RFC 850 needs two
    {"Sunday, 06-Nov-1994 08:49:37 GMT", std::nullopt},
    {"Sun, 06 Nov 1994 8:49:37 GMT", std::nullopt},
    {"Sun, 06 Nov 1994 08:49 GMT", std::nullopt},
    {"Sun Nov  6 08:49:37 94", std::nullopt},
    {"Sun, 30 Feb 2000 23:59:59 GMT", std::nullopt},
    {"Thu, 29 Feb 2001 00:00:00 GMT", std::nullopt},
    {"Mon, 29 Feb 2100 00:00:00 GMT", std::nullopt},  // not a leap year
    {"Sun, 00 Nov 1994 08:49:37 GMT", std::nullopt},
    {"Sun, 32 Jan 1994 08:49:37 GMT", std::nullopt},
    {"Sun, 06 Nov 1994 24:00:00 GMT", std::nullopt},
    {"Sun, 06 Nov 1994 23:60:00 GMT", std::nullopt},
    {"Sun, 06 Nov 1994 23:59:60 GMT", std::nullopt},  // no leap seconds
    {"Wed, 31 Dec 1969 23:59:59 GMT", std::nullopt},  // before the epoch
};

TEST(HttpDate, ParsesWhatNginxParses) {
    for (const DateCase& c : kDateCases)
        EXPECT_EQ(parse_http_date(c.text), c.expected) << c.text;
}

TEST(HttpDate, ParsesNulAndControlBytesSafely) {
    using namespace std::string_view_literals;
    EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT\0x"sv), 784111777);
    EXPECT_EQ(parse_http_date("Sun, 06 Nov\0 1994 08:49:37 GMT"sv), std::nullopt);
    EXPECT_EQ(parse_http_date("\0, 06 Nov 1994 08:49:37 GMT"sv), 784111777);  // weekday unchecked
    EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:3"sv), std::nullopt);   // cut short
    EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 199"sv), std::nullopt);
}

TEST(HttpDate, RoundTripsItsOwnFormat) {
    for (std::time_t t : {std::time_t{0}, std::time_t{784111777}, kLeap, k2038, k2400}) {
        EXPECT_EQ(parse_http_date(format(t)), t) << format(t);
    }
}

}  // namespace
}  // namespace strata
