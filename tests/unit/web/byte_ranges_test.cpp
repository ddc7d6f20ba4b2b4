// Range / If-Range decisions as nginx 1.22.1 makes them. Every row was probed with curl
// against a real nginx serving a 27-byte file ("a…z\n", ETag "6b04ef7a-1b", Last-Modified
// Tue, 24 Nov 2026 01:59:22 GMT), an empty file, and locations with max_ranges 0 and 1.
// Notable nginx behaviours: overlapping or descending ranges are kept as sent (not merged)
// unless together they exceed the file, which sends it whole; unsatisfiable ranges among
// good ones are dropped; syntax errors after "bytes=" are 416, a different unit is 200.
#include "strata/web/byte_ranges.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace strata::web {
namespace {

using K = RangeKind;
using R = std::vector<ByteRange>;

constexpr std::string_view kEtag = "\"6b04ef7a-1b\"";
constexpr std::time_t kMtime = 1795485562;
constexpr uint64_t kSize = 27;

struct Case {
    const char* range;
    K kind;
    R ranges = {};
    uint64_t size = kSize;
};

const Case kCases[] = {
    {"bytes=0-4", K::partial, {{0, 5}}},
    {"bytes=-5", K::partial, {{22, 5}}},
    {"bytes=20-", K::partial, {{20, 7}}},
    {"bytes=20-100", K::partial, {{20, 7}}},
    {"bytes=0-0", K::partial, {{0, 1}}},
    {"bytes=-30", K::partial, {{0, 27}}},
    {"bytes=0-9223372036854775807", K::partial, {{0, 27}}},
    {"bytes=-9223372036854775807", K::partial, {{0, 27}}},
    {"Bytes=0-4", K::partial, {{0, 5}}},
    {"BYTES=0-4", K::partial, {{0, 5}}},
    {"bytes= 0-4", K::partial, {{0, 5}}},
    {"bytes=0 -4", K::partial, {{0, 5}}},
    {"bytes=0- 4", K::partial, {{0, 5}}},
    {"bytes=0-4 ", K::partial, {{0, 5}}},
    // Several ranges: request order, overlaps kept while the total fits in the file.
    {"bytes=0-1,3-4", K::multipart, {{0, 2}, {3, 2}}},
    {"bytes=3-4,0-1", K::multipart, {{3, 2}, {0, 2}}},
    {"bytes=0-5,3-8", K::multipart, {{0, 6}, {3, 6}}},
    {"bytes=0-1,2-3", K::multipart, {{0, 2}, {2, 2}}},
    {"bytes=0-4, 6-7", K::multipart, {{0, 5}, {6, 2}}},
    {"bytes=0-4 ,6-7", K::multipart, {{0, 5}, {6, 2}}},
    {"bytes=0-13,14-26", K::multipart, {{0, 14}, {14, 13}}},
    {"bytes=0-13,14-100", K::multipart, {{0, 14}, {14, 13}}},
    {"bytes=1-1,3-3,5-5,7-7,9-9", K::multipart, {{1, 1}, {3, 1}, {5, 1}, {7, 1}, {9, 1}}},
    // Unsatisfiable members are dropped.
    {"bytes=0-1,30-40", K::partial, {{0, 2}}},
    {"bytes=30-40,0-1", K::partial, {{0, 2}}},
    {"bytes=5-2,0-1", K::partial, {{0, 2}}},
    {"bytes=0-1,5-2", K::partial, {{0, 2}}},
    // More than the file in total: sent whole.
    {"bytes=0-20,5-26", K::full},
    {"bytes=0-13,13-26", K::full},
    {"bytes=-27,0-0", K::full},
    {"bytes=0-,0-", K::full},
    {"bytes=0-30,0-1", K::full},
    // Not a bytes range nginx reads: whole file.
    {"items=0-4", K::full},
    {"bytes =0-4", K::full},
    {"bytes=", K::full},
    {"bytes", K::full},
    {"", K::full},
    // Unsatisfiable or malformed after "bytes=": 416.
    {"bytes=27-", K::unsatisfiable},
    {"bytes=-0", K::unsatisfiable},
    {"bytes=5-2", K::unsatisfiable},
    {"bytes=30-40,40-50", K::unsatisfiable},
    {"bytes=0-4,", K::unsatisfiable},
    {"bytes=,0-4", K::unsatisfiable},
    {"bytes=0-4,,6-7", K::unsatisfiable},
    {"bytes=-", K::unsatisfiable},
    {"bytes=a-4", K::unsatisfiable},
    {"bytes=0-4a", K::unsatisfiable},
    {"bytes=--4", K::unsatisfiable},
    {"bytes=0x1-4", K::unsatisfiable},
    {"bytes=+1-4", K::unsatisfiable},
    {"bytes=- 4", K::unsatisfiable},
    {"bytes=\t0-4", K::unsatisfiable},
    {"bytes=0-4\t", K::unsatisfiable},
    {"bytes=0-4\0", K::partial, {{0, 5}}},  // as a C string: the NUL ends it
    {"bytes=99999999999999999999-", K::unsatisfiable},
    {"bytes=0-99999999999999999999", K::unsatisfiable},
    {"bytes=-99999999999999999999", K::unsatisfiable},
    {"bytes=9223372036854775807-", K::unsatisfiable},
    {"bytes=9223372036854775808-", K::unsatisfiable},
    // An empty file: ranges from 0 give the (empty) whole, others 416 "bytes */0".
    {"bytes=0-5", K::full, {}, 0},
    {"bytes=-5", K::full, {}, 0},
    {"bytes=0-", K::full, {}, 0},
    {"bytes=1-", K::unsatisfiable, {}, 0},
};

TEST(ByteRanges, PlansAsNginxDoes) {
    for (const Case& c : kCases) {
        RangePlan plan = plan_byte_ranges({c.range, std::nullopt}, c.size, {kEtag, kMtime});
        EXPECT_EQ(plan.kind, c.kind) << c.range;
        EXPECT_EQ(plan.ranges, c.ranges) << c.range;
        EXPECT_EQ(plan.accept_ranges, c.kind == K::full) << c.range;
    }
}

TEST(ByteRanges, NulInsideTheHeaderIsMalformed) {
    using namespace std::string_view_literals;
    RangePlan plan = plan_byte_ranges({"bytes=0-4\0"sv, std::nullopt}, kSize, {kEtag, kMtime});
    EXPECT_EQ(plan.kind, K::unsatisfiable);
}

TEST(ByteRanges, NoRangeHeaderSendsTheWholeFileAdvertisingRanges) {
    RangePlan plan = plan_byte_ranges({}, kSize, {kEtag, kMtime});
    EXPECT_EQ(plan.kind, K::full);
    EXPECT_TRUE(plan.accept_ranges);
}

struct MaxRangesCase {
    uint32_t max_ranges;
    const char* range;
    K kind;
    bool accept_ranges;
};

const MaxRangesCase kMaxRangesCases[] = {
    {0, "bytes=0-4", K::full, false},  // max_ranges 0: no ranges, no Accept-Ranges
    {0, nullptr, K::full, false},
    {1, "bytes=0-4", K::partial, false},
    {1, "bytes=0-4,6-7", K::full, true},
    {1, "bytes=0-4,60-70", K::partial, false},  // only satisfiable ones count
    {1, "bytes=60-70,0-4", K::partial, false},
    {1, "bytes=60-70", K::unsatisfiable, false},
    {2, "bytes=0-4,6-7", K::multipart, false},
    {2, "bytes=0-1,3-4,6-7", K::full, true},
};

TEST(ByteRanges, MaxRanges) {
    for (const MaxRangesCase& c : kMaxRangesCases) {
        RangeHeaders headers;
        if (c.range != nullptr) headers.range = c.range;
        RangePlan plan = plan_byte_ranges(headers, kSize, {kEtag, kMtime}, {c.max_ranges});
        EXPECT_EQ(plan.kind, c.kind) << c.max_ranges << " " << (c.range ? c.range : "-");
        EXPECT_EQ(plan.accept_ranges, c.accept_ranges) << c.max_ranges;
    }
}

struct IfRangeCase {
    const char* if_range;
    K kind;
    std::string_view etag = kEtag;
    std::string_view note = "";
};

const IfRangeCase kIfRangeCases[] = {
    {"\"6b04ef7a-1b\"", K::partial},
    {"Tue, 24 Nov 2026 01:59:22 GMT", K::partial},
    {"Tuesday, 24-Nov-26 01:59:22 GMT", K::partial},
    {"W/\"6b04ef7a-1b\"", K::full},
    {"\"x\"", K::full},
    {"x\"", K::full},
    {"Mon, 01 Jan 2001 00:00:00 GMT", K::full},
    {"Tue, 24 Nov 2026 01:59:23 GMT", K::full},  // exact date only
    {"junk", K::full},
    {"", K::full},
    {"\"6b04ef7a-1b\"", K::full, ""},                            // etag off
    {"Tue, 24 Nov 2026 01:59:22 GMT", K::partial, ""},           // etag off, date works
    {"W/\"6b04ef7a-1b\"", K::full, "W/\"6b04ef7a-1b\"", "RFC"},  // weak never matches
};

TEST(ByteRanges, IfRange) {
    for (const IfRangeCase& c : kIfRangeCases) {
        RangePlan plan = plan_byte_ranges({"bytes=0-4", c.if_range}, kSize, {c.etag, kMtime});
        EXPECT_EQ(plan.kind, c.kind) << c.if_range << " " << c.note;
    }
}

TEST(ByteRanges, IfRangeWithoutRangeIsIgnored) {
    RangePlan plan = plan_byte_ranges({std::nullopt, "\"x\""}, kSize, {kEtag, kMtime});
    EXPECT_EQ(plan.kind, K::full);
    EXPECT_TRUE(plan.accept_ranges);
}

TEST(ByteRanges, ContentRangeValues) {
    EXPECT_EQ(content_range({0, 5}, 27), "bytes 0-4/27");
    EXPECT_EQ(content_range({22, 5}, 27), "bytes 22-26/27");
    EXPECT_EQ(unsatisfied_content_range(27), "bytes */27");
    EXPECT_EQ(unsatisfied_content_range(0), "bytes */0");
}

TEST(ByteRanges, ReadsTheFirstRangeAndIfRangeHeaders) {
    http::RequestHead request;
    request.headers = {{"range", "bytes=0-1"}, {"IF-RANGE", "\"a\""}, {"Range", "bytes=2-3"}};
    RangeHeaders headers = range_headers(request);
    EXPECT_EQ(headers.range, std::optional<std::string_view>("bytes=0-1"));
    EXPECT_EQ(headers.if_range, std::optional<std::string_view>("\"a\""));
}

}  // namespace
}  // namespace strata::web
