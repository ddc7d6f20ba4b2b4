#include "strata/base/http_date.h"

#include <time.h>

#include <cstdint>

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

namespace strata {
namespace {

// A cursor over the date text; every read fails softly at the end of the input.
class DateReader {
  public:
    explicit DateReader(std::string_view text) : text_(text) {}

    bool at_end() const { return pos_ >= text_.size(); }
    char peek() const { return at_end() ? '\0' : text_[pos_]; }
    bool skip(char c) {
        if (peek() != c) return false;
        ++pos_;
        return true;
    }
    void skip_spaces() {
        while (peek() == ' ')
            ++pos_;
    }
    // Exactly `width` decimal digits.
    std::optional<int> digits(size_t width) {
        int value = 0;
        for (size_t i = 0; i < width; ++i) {
            char c = peek();
            if (c < '0' || c > '9') return std::nullopt;
            value = value * 10 + (c - '0');
            ++pos_;
        }
        return value;
    }
    // A three-letter English month abbreviation, case-sensitive; 0-based.
    std::optional<int> month() {
        if (text_.size() - pos_ < 3) return std::nullopt;
        std::string_view name = text_.substr(pos_, 3);
        for (int m = 0; m < 12; ++m) {
            if (name == std::string_view(kMonths[m], 3)) {
                pos_ += 3;
                return m;
            }
        }
        return std::nullopt;
    }
    // The weekday is skipped unchecked up to ',' or ' '; returns that separator.
    char skip_weekday() {
        while (!at_end() && peek() != ',' && peek() != ' ')
            ++pos_;
        char separator = peek();
        if (!at_end()) ++pos_;
        return separator;
    }

  private:
    std::string_view text_;
    size_t pos_ = 0;
};

struct DateFields {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
};

bool read_time(DateReader& in, DateFields& f) {
    auto hour = in.digits(2);
    if (!hour || !in.skip(':')) return false;
    auto minute = in.digits(2);
    if (!minute || !in.skip(':')) return false;
    auto second = in.digits(2);
    if (!second) return false;
    f.hour = *hour;
    f.minute = *minute;
    f.second = *second;
    return true;
}

// "06 Nov 1994 08:49:37" or "06-Nov-94 08:49:37"; the zone that follows is not read.
bool read_imf_or_rfc850(DateReader& in, DateFields& f) {
    auto day = in.digits(2);
    if (!day) return false;
    char separator = in.peek();
    if (separator != ' ' && separator != '-') return false;
    in.skip(separator);
    auto month = in.month();
    if (!month || !in.skip(separator)) return false;
    auto year = in.digits(separator == ' ' ? 4 : 2);
    if (!year || !in.skip(' ')) return false;
    f.day = *day;
    f.month = *month;
    f.year = separator == ' ' ? *year : (*year < 70 ? 2000 : 1900) + *year;
    return read_time(in, f);
}

// "Nov  6 08:49:37 1994".
bool read_asctime(DateReader& in, DateFields& f) {
    auto month = in.month();
    if (!month || !in.skip(' ')) return false;
    in.skip(' ');
    auto day = in.digits(1);
    if (!day) return false;
    if (auto second_digit = in.digits(1)) *day = *day * 10 + *second_digit;
    if (!in.skip(' ') || !read_time(in, f) || !in.skip(' ')) return false;
    auto year = in.digits(4);
    if (!year) return false;
    f.day = *day;
    f.month = *month;
    f.year = *year;
    return true;
}

bool is_leap_year(int year) {
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(int year, int month) {
    constexpr int kMonthLengths[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 1 && is_leap_year(year) ? 29 : kMonthLengths[month];
}

bool is_valid(const DateFields& f) {
    return f.year >= 1970 && f.day >= 1 && f.day <= days_in_month(f.year, f.month) &&
           f.hour <= 23 && f.minute <= 59 && f.second <= 59;
}

// Leap years in [1, year].
int64_t leap_years_through(int64_t year) {
    return year / 4 - year / 100 + year / 400;
}

std::time_t to_epoch_seconds(const DateFields& f) {
    int64_t days =
        365 * int64_t{f.year - 1970} + leap_years_through(f.year - 1) - leap_years_through(1969);
    for (int m = 0; m < f.month; ++m)
        days += days_in_month(f.year, m);
    days += f.day - 1;
    return static_cast<std::time_t>(days * 86400 + f.hour * 3600 + f.minute * 60 + f.second);
}

}  // namespace

std::optional<std::time_t> parse_http_date(std::string_view text) {
    DateReader in(text);
    char separator = in.skip_weekday();
    if (separator != ',' && separator != ' ') return std::nullopt;
    in.skip_spaces();
    DateFields fields;
    bool read = separator == ',' ? read_imf_or_rfc850(in, fields) : read_asctime(in, fields);
    if (!read || !is_valid(fields)) return std::nullopt;
    return to_epoch_seconds(fields);
}

}  // namespace strata
