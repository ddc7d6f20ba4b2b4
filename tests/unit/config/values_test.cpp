#include "strata/config/values.h"

#include <gtest/gtest.h>

#include <optional>

namespace strata::config {
namespace {

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;

struct TimeCase {
    const char* text;
    std::optional<std::int64_t> ms;
};

// Checked against nginx 1.22's `send_timeout` (milliseconds).
const TimeCase kTimes[] = {
    {"15", 15'000},
    {"75s", 75'000},
    {"500ms", 500},
    {"1h30m", kHour + 30 * kMinute},
    {"1h 30m", kHour + 30 * kMinute},
    {"1s500ms", 1'500},
    {"1w2d", 9 * kDay},
    {"1d 2h 3m 4s 5ms", kDay + 2 * kHour + 3 * kMinute + 4'000 + 5},
    {"1h ", kHour},
    {"1h  5", kHour + 5'000},
    {" 5", 5'000},
    {"5 5", 10'000},
    {"1s 5", 6'000},
    {"1ms 5", 5'001},
    {"1m 5 ", kMinute + 5'000},
    {"30m1h", std::nullopt},
    {"1h1h", std::nullopt},
    {"1y", std::nullopt},
    {"1M", std::nullopt},
    {"1 h", std::nullopt},
    {"1s 5 ", std::nullopt},
    {"ms", std::nullopt},
    {"5x", std::nullopt},
    {"", std::nullopt},
    {"-1", std::nullopt},
    {"99999999999999999999", std::nullopt},
};

class TimeCases : public ::testing::TestWithParam<TimeCase> {};

TEST_P(TimeCases, Milliseconds) {
    EXPECT_EQ(time_value_ms(GetParam().text), GetParam().ms);
}

INSTANTIATE_TEST_SUITE_P(Table, TimeCases, ::testing::ValuesIn(kTimes));

TEST(TimeValueSeconds, AllowsYearsAndMonthsNotMilliseconds) {
    EXPECT_EQ(time_value_seconds("1y"), 365 * 24 * 3600);
    EXPECT_EQ(time_value_seconds("1M"), 30 * 24 * 3600);
    EXPECT_EQ(time_value_seconds("1h30m"), 5400);
    EXPECT_EQ(time_value_seconds("60"), 60);
    EXPECT_EQ(time_value_seconds("500ms"), std::nullopt);
}

TEST(NumberValue, DigitsOnly) {
    EXPECT_EQ(number_value("1024"), 1024);
    EXPECT_EQ(number_value("0"), 0);
    EXPECT_EQ(number_value(""), std::nullopt);
    EXPECT_EQ(number_value("-1"), std::nullopt);
    EXPECT_EQ(number_value("1k"), std::nullopt);
    EXPECT_EQ(number_value("9223372036854775807"), INT64_MAX);
    EXPECT_EQ(number_value("9223372036854775808"), std::nullopt);
}

TEST(SizeValue, KilobytesAndMegabytes) {
    EXPECT_EQ(size_value("512"), 512);
    EXPECT_EQ(size_value("8k"), 8 * 1024);
    EXPECT_EQ(size_value("8K"), 8 * 1024);
    EXPECT_EQ(size_value("1m"), 1024 * 1024);
    EXPECT_EQ(size_value("1g"), std::nullopt);
    EXPECT_EQ(size_value("k"), std::nullopt);
    EXPECT_EQ(size_value("1x"), std::nullopt);
    EXPECT_EQ(size_value(""), std::nullopt);
}

TEST(OffsetValue, AlsoGigabytes) {
    EXPECT_EQ(offset_value("1g"), std::int64_t{1} << 30);
    EXPECT_EQ(offset_value("1G"), std::int64_t{1} << 30);
    EXPECT_EQ(offset_value("0"), 0);
    EXPECT_EQ(offset_value("-1"), std::nullopt);
    EXPECT_EQ(offset_value("99999999999999999g"), std::nullopt);
}

TEST(FlagValue, OnOrOffAnyCase) {
    EXPECT_EQ(flag_value("on"), true);
    EXPECT_EQ(flag_value("ON"), true);
    EXPECT_EQ(flag_value("Off"), false);
    EXPECT_EQ(flag_value("yes"), std::nullopt);
    EXPECT_EQ(flag_value(""), std::nullopt);
}

Directive directive(std::string name, std::vector<std::string> args) {
    Directive d;
    d.name = std::move(name);
    d.args = std::move(args);
    d.quoted.assign(d.args.size(), false);
    d.where = SourceLocation{"t.conf", 7};
    return d;
}

TEST(DirectiveValues, NginxWording) {
    auto flag = parse_flag(directive("sendfile", {"yes"}));
    ASSERT_FALSE(flag.ok());
    EXPECT_EQ(flag.error().to_string(),
              "t.conf:7: invalid value \"yes\" in \"sendfile\" directive, it must be \"on\" or "
              "\"off\"");
    auto size = parse_offset(directive("client_max_body_size", {"1x"}));
    ASSERT_FALSE(size.ok());
    EXPECT_EQ(size.error().to_string(),
              "t.conf:7: \"client_max_body_size\" directive invalid value");
    auto number = parse_number(directive("keepalive_requests", {"x"}));
    ASSERT_FALSE(number.ok());
    EXPECT_EQ(number.error().message, "\"keepalive_requests\" directive invalid number");
    auto time = parse_time_ms(directive("send_timeout", {"1y"}));
    ASSERT_FALSE(time.ok());
    EXPECT_EQ(time.error().message, "\"send_timeout\" directive invalid value");
}

TEST(DirectiveValues, ReadTheNamedArgument) {
    auto timeout = directive("keepalive_timeout", {"65", "60"});
    EXPECT_EQ(parse_time_ms(timeout).value(), 65'000);
    EXPECT_EQ(parse_time_seconds(timeout, 1).value(), 60);
    EXPECT_EQ(parse_size(directive("gzip_min_length", {"1k"})).value(), 1024);
    EXPECT_TRUE(parse_flag(directive("gzip", {"on"})).value());
    EXPECT_FALSE(parse_number(directive("x", {})).ok());  // a missing argument is invalid
}

}  // namespace
}  // namespace strata::config
