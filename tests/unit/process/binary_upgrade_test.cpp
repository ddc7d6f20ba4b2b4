#include "strata/process/binary_upgrade.h"

#include <stdlib.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace strata::process {
namespace {

TEST(EncodeListenFds, WritesEachDescriptorWithItsSeparator) {
    EXPECT_EQ(encode_listen_fds({}), "");
    EXPECT_EQ(encode_listen_fds({5}), "5;");
    EXPECT_EQ(encode_listen_fds({5, 6, 12}), "5;6;12;");
}

TEST(ParseListenFds, ReadsWhatEncodeWrites) {
    for (const std::vector<int>& fds : {std::vector<int>{}, {3}, {5, 6, 12}, {0}, {2147483647}}) {
        auto parsed = parse_listen_fds(encode_listen_fds(fds));
        ASSERT_TRUE(parsed) << parsed.error();
        EXPECT_EQ(parsed.value(), fds);
    }
}

struct Malformed {
    const char* value;
    const char* error;
};

// Every malformed value is refused whole, with the entry that is wrong.
TEST(ParseListenFds, RefusesMalformedValues) {
    const Malformed cases[] = {
        {"5", "socket number \"5\" not followed by \";\" in STRATA_LISTEN_FDS=\"5\""},
        {"5;6", "socket number \"6\" not followed by \";\" in STRATA_LISTEN_FDS=\"5;6\""},
        {";", "invalid socket number \"\" in STRATA_LISTEN_FDS=\";\""},
        {"5;;6;", "invalid socket number \"\" in STRATA_LISTEN_FDS=\"5;;6;\""},
        {"x;", "invalid socket number \"x\" in STRATA_LISTEN_FDS=\"x;\""},
        {"-1;", "invalid socket number \"-1\" in STRATA_LISTEN_FDS=\"-1;\""},
        {"+5;", "invalid socket number \"+5\" in STRATA_LISTEN_FDS=\"+5;\""},
        {" 5;", "invalid socket number \" 5\" in STRATA_LISTEN_FDS=\" 5;\""},
        {"5 ;", "invalid socket number \"5 \" in STRATA_LISTEN_FDS=\"5 ;\""},
        {"5,6;", "invalid socket number \"5,6\" in STRATA_LISTEN_FDS=\"5,6;\""},
        {"2147483648;",
         "invalid socket number \"2147483648\" in STRATA_LISTEN_FDS=\"2147483648;\""},
        {"99999999999;",
         "invalid socket number \"99999999999\" in STRATA_LISTEN_FDS=\"99999999999;\""},
        {"5;6;5;", "socket number 5 repeated in STRATA_LISTEN_FDS=\"5;6;5;\""},
    };
    for (const Malformed& c : cases) {
        auto parsed = parse_listen_fds(c.value);
        ASSERT_FALSE(parsed) << c.value;
        EXPECT_EQ(parsed.error(), c.error) << c.value;
    }
}

TEST(ParseListenFds, RefusesANulInsideTheValue) {
    using namespace std::string_literals;
    auto parsed = parse_listen_fds("5\0;"s);
    ASSERT_FALSE(parsed);
    EXPECT_NE(parsed.error().find("invalid socket number"), std::string::npos);
}

class ListenFdsEnvironment : public ::testing::Test {
  protected:
    void TearDown() override { ::unsetenv(std::string(strata_hand_over().variable).c_str()); }
    void set(const char* value) {
        ::setenv(std::string(strata_hand_over().variable).c_str(), value, 1);
    }
    bool is_set() const {
        return std::getenv(std::string(strata_hand_over().variable).c_str()) != nullptr;
    }
};

TEST_F(ListenFdsEnvironment, AbsentMeansNotStartedByAnUpgrade) {
    ::unsetenv(std::string(strata_hand_over().variable).c_str());
    auto taken = take_listen_fds_from_environment();
    ASSERT_TRUE(taken);
    EXPECT_FALSE(taken.value().has_value());
}

TEST_F(ListenFdsEnvironment, TakesTheValueAndUnsetsIt) {
    set("7;8;");
    auto taken = take_listen_fds_from_environment();
    ASSERT_TRUE(taken) << taken.error();
    ASSERT_TRUE(taken.value().has_value());
    EXPECT_EQ(*taken.value(), (std::vector<int>{7, 8}));
    EXPECT_FALSE(is_set());
}

TEST_F(ListenFdsEnvironment, EmptyValueIsAnUpgradeWithNoSockets) {
    set("");
    auto taken = take_listen_fds_from_environment();
    ASSERT_TRUE(taken) << taken.error();
    ASSERT_TRUE(taken.value().has_value());
    EXPECT_TRUE(taken.value()->empty());
}

TEST_F(ListenFdsEnvironment, MalformedValueIsAnErrorAndStillUnset) {
    set("7;oops;");
    auto taken = take_listen_fds_from_environment();
    ASSERT_FALSE(taken);
    EXPECT_EQ(taken.error(), "invalid socket number \"oops\" in STRATA_LISTEN_FDS=\"7;oops;\"");
    EXPECT_FALSE(is_set());
}

TEST(GunicornHandOver, WritesAndReadsCommaSeparatedNumbers) {
    HandOverFormat gunicorn = gunicorn_hand_over();
    EXPECT_EQ(gunicorn.variable, "GUNICORN_FD");
    EXPECT_EQ(encode_listen_fds({}, gunicorn), "");
    EXPECT_EQ(encode_listen_fds({5}, gunicorn), "5");
    EXPECT_EQ(encode_listen_fds({5, 6}, gunicorn), "5,6");
    for (const std::vector<int>& fds : {std::vector<int>{}, {3}, {5, 6, 12}}) {
        auto parsed = parse_listen_fds(encode_listen_fds(fds, gunicorn), gunicorn);
        ASSERT_TRUE(parsed) << parsed.error();
        EXPECT_EQ(parsed.value(), fds);
    }
}

TEST(GunicornHandOver, RefusesMalformedValues) {
    const Malformed cases[] = {
        {",", "invalid socket number \"\" in GUNICORN_FD=\",\""},
        {"5,", "invalid socket number \"\" in GUNICORN_FD=\"5,\""},
        {",5", "invalid socket number \"\" in GUNICORN_FD=\",5\""},
        {"5,,6", "invalid socket number \"\" in GUNICORN_FD=\"5,,6\""},
        {"5;6", "invalid socket number \"5;6\" in GUNICORN_FD=\"5;6\""},
        {"5,x", "invalid socket number \"x\" in GUNICORN_FD=\"5,x\""},
        {"5,5", "socket number 5 repeated in GUNICORN_FD=\"5,5\""},
    };
    for (const Malformed& c : cases) {
        auto parsed = parse_listen_fds(c.value, gunicorn_hand_over());
        ASSERT_FALSE(parsed) << c.value;
        EXPECT_EQ(parsed.error(), c.error) << c.value;
    }
}

TEST(PidFilePaths, NginxAndGunicornSuffixes) {
    EXPECT_EQ(oldbin_path("/run/strata.pid"), "/run/strata.pid.oldbin");
    EXPECT_EQ(second_master_pid_path("/run/app.pid"), "/run/app.pid.2");
}

}  // namespace
}  // namespace strata::process
