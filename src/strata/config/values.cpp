#include "strata/config/values.h"

#include <array>
#include <limits>
#include <string>

namespace strata::config {
namespace {

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

std::optional<std::int64_t> scaled(std::string_view text, std::int64_t scale) {
    auto number = number_value(text);
    if (!number || *number > kMax / scale) return std::nullopt;
    return *number * scale;
}

// A trailing unit letter multiplies; `units` lists the letters allowed, by power of 1024.
std::optional<std::int64_t> with_binary_unit(std::string_view text, std::string_view units) {
    if (text.empty()) return std::nullopt;
    const char last = static_cast<char>(text.back() | 0x20);  // ASCII lower case
    const auto power = units.find(last);
    if (power == std::string_view::npos) return number_value(text);
    std::int64_t scale = 1;
    for (std::size_t i = 0; i <= power; ++i)
        scale *= 1024;
    return scaled(text.substr(0, text.size() - 1), scale);
}

// The time units, largest first; a time lists some of them in this order.
struct TimeUnit {
    std::string_view suffix;
    std::int64_t ms;
};
constexpr std::int64_t kSecond = 1000;
constexpr std::array<TimeUnit, 8> kTimeUnits{{
    {"y", 365 * 24 * 3600 * kSecond},
    {"M", 30 * 24 * 3600 * kSecond},
    {"w", 7 * 24 * 3600 * kSecond},
    {"d", 24 * 3600 * kSecond},
    {"h", 3600 * kSecond},
    {"m", 60 * kSecond},
    {"s", kSecond},
    {"ms", 1},
}};

constexpr std::size_t kSecondsUnit = kTimeUnits.size() - 2;
constexpr std::size_t kMsUnit = kTimeUnits.size() - 1;
constexpr std::size_t kNothingMore = kTimeUnits.size() + 1;

// The unit whose suffix starts `text` (`ms` before `m`), or kTimeUnits.size().
std::size_t unit_at(std::string_view text) {
    if (text.starts_with("ms")) return kMsUnit;
    for (std::size_t i = 0; i < kMsUnit; ++i) {
        if (text.starts_with(kTimeUnits[i].suffix)) return i;
    }
    return kTimeUnits.size();
}

struct TimeRules {
    std::size_t first_unit;  // units before it (y, M for milliseconds) would overflow
    bool allow_ms;
};

std::optional<std::int64_t> add_checked(std::int64_t total, std::int64_t value,
                                        std::int64_t scale) {
    if (value > kMax / scale) return std::nullopt;
    value *= scale;
    if (total > kMax - value) return std::nullopt;
    return total + value;
}

// What may follow once a unit has been used: only smaller units. A space right after
// digits closes them as seconds and allows nothing after but a last bare number,
// which (like any trailing bare number) counts as seconds. This is nginx's reading.
class TimeReader {
  public:
    explicit TimeReader(TimeRules rules) : rules_(rules), next_unit_(rules.first_unit) {}

    std::optional<std::int64_t> read(std::string_view text) {
        std::size_t i = 0;
        while (i < text.size()) {
            if (is_digit(text[i])) {
                if (!add_digit(text[i])) return std::nullopt;
                ++i;
                continue;
            }
            auto used = close_group(text.substr(i));
            if (!used) return std::nullopt;
            i += *used;
            while (i < text.size() && text[i] == ' ')
                ++i;
        }
        if (!seen_digit_) return std::nullopt;
        return add_checked(total_, pending_, kSecond);
    }

  private:
    bool add_digit(char c) {
        seen_digit_ = true;
        const int digit = c - '0';
        if (pending_ > (kMax - digit) / 10) return false;
        pending_ = pending_ * 10 + digit;
        return true;
    }

    // Applies the unit at the start of `rest` to the pending digits; returns its length.
    std::optional<std::size_t> close_group(std::string_view rest) {
        std::size_t unit = unit_at(rest);
        std::size_t length = unit < kTimeUnits.size() ? kTimeUnits[unit].suffix.size() : 1;
        if (rest.front() == ' ') {
            if (next_unit_ > kSecondsUnit) return std::nullopt;
            unit = kSecondsUnit;
            next_unit_ = kNothingMore;
        } else {
            if (unit == kTimeUnits.size() || unit < next_unit_) return std::nullopt;
            if (unit == kMsUnit && !rules_.allow_ms) return std::nullopt;
            next_unit_ = unit + 1;
        }
        auto sum = add_checked(total_, pending_, kTimeUnits[unit].ms);
        if (!sum) return std::nullopt;
        total_ = *sum;
        pending_ = 0;
        return length;
    }

    TimeRules rules_;
    std::size_t next_unit_;
    std::int64_t total_ = 0;
    std::int64_t pending_ = 0;
    bool seen_digit_ = false;
};

Err<ConfigError> directive_error(const Directive& directive, std::string_view what) {
    return Err{
        ConfigError{directive.where, "\"" + directive.name + "\" directive " + std::string(what)}};
}

std::string_view arg(const Directive& directive, std::size_t index) {
    return index < directive.args.size() ? std::string_view(directive.args[index])
                                         : std::string_view();
}

template <class Parse>
Result<std::int64_t, ConfigError> parse_with(const Directive& directive, std::size_t index,
                                             Parse parse, std::string_view what) {
    auto value = parse(arg(directive, index));
    if (!value) return directive_error(directive, what);
    return *value;
}

}  // namespace

std::optional<std::int64_t> number_value(std::string_view text) {
    if (text.empty()) return std::nullopt;
    std::int64_t value = 0;
    for (char c : text) {
        if (!is_digit(c)) return std::nullopt;
        const int digit = c - '0';
        if (value > (kMax - digit) / 10) return std::nullopt;
        value = value * 10 + digit;
    }
    return value;
}

std::optional<std::int64_t> size_value(std::string_view text) {
    return with_binary_unit(text, "km");
}

std::optional<std::int64_t> offset_value(std::string_view text) {
    return with_binary_unit(text, "kmg");
}

std::optional<std::int64_t> time_value_ms(std::string_view text) {
    return TimeReader(TimeRules{2, true}).read(text);
}

std::optional<std::int64_t> time_value_seconds(std::string_view text) {
    auto ms = TimeReader(TimeRules{0, false}).read(text);
    if (!ms) return std::nullopt;
    return *ms / kSecond;
}

std::optional<bool> flag_value(std::string_view text) {
    auto lower = [](std::string_view s) {
        std::string out(s);
        for (char& c : out)
            c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
        return out;
    };
    const std::string word = lower(text);
    if (word == "on") return true;
    if (word == "off") return false;
    return std::nullopt;
}

Result<bool, ConfigError> parse_flag(const Directive& directive, std::size_t index) {
    auto value = flag_value(arg(directive, index));
    if (value) return *value;
    return Err{ConfigError{directive.where,
                           "invalid value \"" + std::string(arg(directive, index)) + "\" in \"" +
                               directive.name + "\" directive, it must be \"on\" or \"off\""}};
}

Result<std::int64_t, ConfigError> parse_number(const Directive& directive, std::size_t index) {
    return parse_with(directive, index, number_value, "invalid number");
}

Result<std::int64_t, ConfigError> parse_size(const Directive& directive, std::size_t index) {
    return parse_with(directive, index, size_value, "invalid value");
}

Result<std::int64_t, ConfigError> parse_offset(const Directive& directive, std::size_t index) {
    return parse_with(directive, index, offset_value, "invalid value");
}

Result<std::int64_t, ConfigError> parse_time_ms(const Directive& directive, std::size_t index) {
    return parse_with(directive, index, time_value_ms, "invalid value");
}

Result<std::int64_t, ConfigError> parse_time_seconds(const Directive& directive,
                                                     std::size_t index) {
    return parse_with(directive, index, time_value_seconds, "invalid value");
}

}  // namespace strata::config
