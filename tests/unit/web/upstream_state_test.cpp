// $upstream_addr, $upstream_status and the times, in nginx's formats.
#include "strata/web/upstream_state.h"

#include <gtest/gtest.h>

namespace strata::web {
namespace {

std::string format(UpstreamVariable v, const UpstreamTries& tries) {
    return format_upstream_variable(v, tries);
}

TEST(UpstreamState, NoUpstreamIsEmpty) {
    EXPECT_EQ(format(UpstreamVariable::addr, {}), "");
    EXPECT_EQ(format(UpstreamVariable::status, {}), "");
}

TEST(UpstreamState, OneTry) {
    UpstreamTries tries = {{"127.0.0.1:8080", 200, 4, 1, 3, 12}};
    EXPECT_EQ(format(UpstreamVariable::addr, tries), "127.0.0.1:8080");
    EXPECT_EQ(format(UpstreamVariable::status, tries), "200");
    EXPECT_EQ(format(UpstreamVariable::response_time, tries), "0.004");
    EXPECT_EQ(format(UpstreamVariable::connect_time, tries), "0.001");
    EXPECT_EQ(format(UpstreamVariable::header_time, tries), "0.003");
    EXPECT_EQ(format(UpstreamVariable::length, tries), "12");
}

TEST(UpstreamState, TriesAreJoinedWithCommas) {
    UpstreamTries tries = {{"127.0.0.1:1", 502, 0, -1, -1, 0}, {"unix:/run/a.sock", 200, 1234}};
    EXPECT_EQ(format(UpstreamVariable::addr, tries), "127.0.0.1:1, unix:/run/a.sock");
    EXPECT_EQ(format(UpstreamVariable::status, tries), "502, 200");
    EXPECT_EQ(format(UpstreamVariable::response_time, tries), "0.000, 1.234");
    EXPECT_EQ(format(UpstreamVariable::connect_time, tries), "-, -");
}

TEST(UpstreamState, InternalRedirectIsAColon) {
    UpstreamTries tries = {{"a:1", 404, 2}, {}, {"b:2", 200, 3}};
    EXPECT_EQ(format(UpstreamVariable::addr, tries), "a:1 : b:2");
    EXPECT_EQ(format(UpstreamVariable::status, tries), "404 : 200");
}

TEST(UpstreamState, NoLiveUpstreamsShowsTheGroup) {
    UpstreamTries tries = {{"backend", 502, 0}};
    EXPECT_EQ(format(UpstreamVariable::addr, tries), "backend");
    EXPECT_EQ(format(UpstreamVariable::status, tries), "502");
}

TEST(UpstreamState, KnowsItsNames) {
    EXPECT_EQ(upstream_variable("upstream_addr"), UpstreamVariable::addr);
    EXPECT_EQ(upstream_variable("upstream_response_time"), UpstreamVariable::response_time);
    EXPECT_EQ(upstream_variable("upstream_http_x"), std::nullopt);
}

}  // namespace
}  // namespace strata::web
