// The IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") for the current second, formatted
// once per second per thread rather than once per response.
#pragma once

#include <ctime>
#include <string_view>

namespace strata {

constexpr size_t kHttpDateLength = 29;

// Writes the IMF-fixdate of `t` into out[0..29).
void format_http_date(std::time_t t, char* out);

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
