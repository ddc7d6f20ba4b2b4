#include "strata/base/http_date.h"

#include <time.h>

namespace strata {
namespace {

constexpr char kDays[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr char kMonths[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

char* put2(char* p, int v) {
    p[0] = static_cast<char>('0' + v / 10);
    p[1] = static_cast<char>('0' + v % 10);
    return p + 2;
}

char* put3(char* p, const char* s) {
    p[0] = s[0];
    p[1] = s[1];
    p[2] = s[2];
    return p + 3;
}

}  // namespace

void format_http_date(std::time_t t, char* out) {
    struct tm tm;
    gmtime_r(&t, &tm);
    char* p = put3(out, kDays[tm.tm_wday]);
    *p++ = ',';
    *p++ = ' ';
    p = put2(p, tm.tm_mday);
    *p++ = ' ';
    p = put3(p, kMonths[tm.tm_mon]);
    *p++ = ' ';
    int year = tm.tm_year + 1900;
    p = put2(p, year / 100);
    p = put2(p, year % 100);
    *p++ = ' ';
    p = put2(p, tm.tm_hour);
    *p++ = ':';
    p = put2(p, tm.tm_min);
    *p++ = ':';
    p = put2(p, tm.tm_sec);
    put3(p, " GM");
    out[kHttpDateLength - 1] = 'T';
}

std::string_view HttpDateCache::get(std::time_t now) {
    if (now != cached_) {
        format_http_date(now, text_);
        cached_ = now;
    }
    return {text_, kHttpDateLength};
}

std::string_view HttpDateCache::now() {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    return get(ts.tv_sec);
}

}  // namespace strata
