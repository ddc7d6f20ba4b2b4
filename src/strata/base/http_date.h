// The IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") for the current second, formatted
// once per second per thread rather than once per response; and the parser for the dates
// clients send (If-Modified-Since, If-Unmodified-Since, If-Range).
#pragma once

#include <ctime>
#include <optional>
#include <string_view>

namespace strata {

constexpr size_t kHttpDateLength = 29;

// Writes the IMF-fixdate of `t` into out[0..29).
void format_http_date(std::time_t t, char* out);

// Parses an HTTP-date in any of RFC 9110 §5.6.7's three forms:
//   IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT"
//   RFC 850      "Sunday, 06-Nov-94 08:49:37 GMT"   (two-digit year: 70-99 → 19xx, else 20xx)
//   asctime      "Sun Nov  6 08:49:37 1994"         (day as " 6", "6" or "06")
// with nginx's tolerance, so the same header gives the same answer as there: the weekday
// is not checked, anything after the time (IMF/RFC 850) or the year (asctime) is ignored,
// the month is case-sensitive, every other field has its exact width. Dates before 1970,
// impossible days (30 Feb) and times past 23:59:59 are rejected.
std::optional<std::time_t> parse_http_date(std::string_view text);

class HttpDateCache {
  public:
    // The date for `now`; reformats only when the second changed.
    std::string_view get(std::time_t now);
    // The date for the wall clock, read with a coarse clock.
    std::string_view now();

  private:
    std::time_t cached_ = -1;
    char text_[kHttpDateLength + 1] = {};
};

}  // namespace strata
