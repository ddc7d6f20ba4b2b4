// proxy_next_upstream's decisions, one line per case, as nginx 1.22 makes them.
#include "strata/web/upstream_next.h"

#include <gtest/gtest.h>

#include "strata/web/proxy_settings.h"

namespace strata::web {
namespace {

constexpr uint32_t kDefault = kNextError | kNextTimeout;

struct Case {
    const char* name;
    UpstreamFailure failure;
    TryState state;
    bool next;
};

void PrintTo(const Case& c, std::ostream* os) {
    *os << c.name;
}

// state: mask, tries left, request sent, method, elapsed, timeout
const Case kCases[] = {
    {"error_is_retried_by_default", UpstreamFailure::error, {kDefault, 1, true, "GET"}, true},
    {"timeout_is_retried_by_default", UpstreamFailure::timeout, {kDefault, 1, true, "GET"}, true},
    {"no_tries_left", UpstreamFailure::error, {kDefault, 0, false, "GET"}, false},
    {"off", UpstreamFailure::error, {kNextOff, 3, false, "GET"}, false},
    {"status_500_needs_http_500", UpstreamFailure::http_500, {kDefault, 1, true, "GET"}, false},
    {"status_500_with_http_500",
     UpstreamFailure::http_500,
     {kDefault | kNextHttp500, 1, true, "GET"},
     true},
    {"status_404_with_http_404", UpstreamFailure::http_404, {kNextHttp404, 1, true, "HEAD"}, true},
    {"invalid_header_needs_its_condition",
     UpstreamFailure::invalid_header,
     {kDefault, 1, true, "GET"},
     false},
    {"post_not_sent_is_retried", UpstreamFailure::error, {kDefault, 1, false, "POST"}, true},
    {"post_sent_is_not_retried", UpstreamFailure::error, {kDefault, 1, true, "POST"}, false},
    {"patch_sent_is_not_retried", UpstreamFailure::timeout, {kDefault, 1, true, "PATCH"}, false},
    {"lock_sent_is_not_retried", UpstreamFailure::error, {kDefault, 1, true, "LOCK"}, false},
    {"put_sent_is_retried", UpstreamFailure::error, {kDefault, 1, true, "PUT"}, true},
    {"delete_sent_is_retried", UpstreamFailure::error, {kDefault, 1, true, "DELETE"}, true},
    {"post_sent_with_non_idempotent",
     UpstreamFailure::error,
     {kDefault | kNextNonIdempotent, 1, true, "POST"},
     true},
    {"within_next_upstream_timeout",
     UpstreamFailure::error,
     {kDefault, 1, true, "GET", 99, 100},
     true},
    {"past_next_upstream_timeout",
     UpstreamFailure::error,
     {kDefault, 1, true, "GET", 100, 100},
     false},
    {"no_live_upstreams_ends_it",
     UpstreamFailure::no_live,
     {0xffffffffu >> 1, 5, false, "GET"},
     false},
};

class NextUpstream : public testing::TestWithParam<Case> {};

TEST_P(NextUpstream, DecidesAsNginx) {
    const Case& c = GetParam();
    EXPECT_EQ(should_try_next(c.failure, c.state), c.next);
}

INSTANTIATE_TEST_SUITE_P(Table, NextUpstream, testing::ValuesIn(kCases),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(NextUpstream, StatusOfFailure) {
    EXPECT_EQ(status_of_failure(UpstreamFailure::error), 502);
    EXPECT_EQ(status_of_failure(UpstreamFailure::invalid_header), 502);
    EXPECT_EQ(status_of_failure(UpstreamFailure::no_live), 502);
    EXPECT_EQ(status_of_failure(UpstreamFailure::timeout), 504);
    EXPECT_EQ(status_of_failure(UpstreamFailure::http_504), 504);
    EXPECT_EQ(status_of_failure(UpstreamFailure::http_503), 503);
    EXPECT_EQ(status_of_failure(UpstreamFailure::http_404), 404);
}

TEST(NextUpstream, FailureOfStatus) {
    EXPECT_EQ(failure_of_status(500), UpstreamFailure::http_500);
    EXPECT_EQ(failure_of_status(429), UpstreamFailure::http_429);
    EXPECT_EQ(failure_of_status(200), std::nullopt);
    EXPECT_EQ(failure_of_status(501), std::nullopt);
}

TEST(NextUpstream, MaskOfWords) {
    EXPECT_EQ(next_upstream_mask({"error", "timeout"}), kDefault);
    EXPECT_EQ(next_upstream_mask({"off"}), 0u);
    EXPECT_EQ(next_upstream_mask({"http_502", "non_idempotent"}),
              kNextHttp502 | kNextNonIdempotent);
}

}  // namespace
}  // namespace strata::web
