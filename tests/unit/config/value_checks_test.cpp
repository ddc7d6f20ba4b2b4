#include "strata/config/detail/value_checks.h"

#include <gtest/gtest.h>

#include "strata/config/schema.h"

namespace strata::config::detail {
namespace {

Directive directive(std::string name, std::vector<std::string> args) {
    Directive d;
    d.name = std::move(name);
    d.args = std::move(args);
    d.quoted.assign(d.args.size(), false);
    d.where = SourceLocation{"t.conf", 2};
    return d;
}

// The check's message for `name args…` in an empty block, or "ok".
std::string outcome_of(DirectiveCheck check, std::string name, std::vector<std::string> args,
                       std::vector<Directive> before = {}) {
    BlockFrame frame;
    frame.directives = &before;
    auto checked = check(directive(std::move(name), std::move(args)), frame);
    return checked ? "ok" : checked.error().message;
}

TEST(ValueChecks, NumbersSizesTimes) {
    EXPECT_EQ(outcome_of(check_number, "keepalive_requests", {"1000"}), "ok");
    EXPECT_EQ(outcome_of(check_number, "keepalive_requests", {"1k"}),
              "\"keepalive_requests\" directive invalid number");
    EXPECT_EQ(outcome_of(check_size, "gzip_min_length", {"1k"}), "ok");
    EXPECT_EQ(outcome_of(check_size, "gzip_min_length", {"1g"}),
              "\"gzip_min_length\" directive invalid value");
    EXPECT_EQ(outcome_of(check_offset, "client_max_body_size", {"1g"}), "ok");
    EXPECT_EQ(outcome_of(check_time_ms, "send_timeout", {"1h 30m"}), "ok");
    EXPECT_EQ(outcome_of(check_time_ms, "send_timeout", {"30m1h"}),
              "\"send_timeout\" directive invalid value");
}

TEST(ValueChecks, KeepaliveTimeoutHeaderIsInSeconds) {
    EXPECT_EQ(outcome_of(check_keepalive_timeout, "keepalive_timeout", {"65"}), "ok");
    EXPECT_EQ(outcome_of(check_keepalive_timeout, "keepalive_timeout", {"65", "1y"}), "ok");
    EXPECT_EQ(outcome_of(check_keepalive_timeout, "keepalive_timeout", {"65", "500ms"}),
              "\"keepalive_timeout\" directive invalid value");
}

TEST(ValueChecks, Workers) {
    EXPECT_EQ(outcome_of(check_worker_processes, "worker_processes", {"auto"}), "ok");
    EXPECT_EQ(outcome_of(check_worker_processes, "worker_processes", {"4"}), "ok");
    EXPECT_EQ(outcome_of(check_worker_processes, "worker_processes", {"many"}),
              "\"worker_processes\" directive invalid value");
    EXPECT_EQ(outcome_of(check_worker_connections, "worker_connections", {"x"}),
              "invalid number \"x\"");
}

TEST(ValueChecks, Enumerations) {
    EXPECT_EQ(outcome_of(check_comp_level, "gzip_comp_level", {"9"}), "ok");
    EXPECT_EQ(outcome_of(check_comp_level, "gzip_comp_level", {"0"}),
              "value must be between 1 and 9");
    EXPECT_EQ(outcome_of(check_gzip_http_version, "gzip_http_version", {"1.0"}), "ok");
    EXPECT_EQ(outcome_of(check_gzip_http_version, "gzip_http_version", {"2"}),
              "invalid value \"2\"");
    EXPECT_EQ(outcome_of(check_server_tokens, "server_tokens", {"build"}), "ok");
    EXPECT_EQ(outcome_of(check_if_modified_since, "if_modified_since", {"before"}), "ok");
    EXPECT_EQ(outcome_of(check_if_modified_since, "if_modified_since", {"after"}),
              "invalid value \"after\"");
}

TEST(ValueChecks, ErrorLogLevels) {
    EXPECT_EQ(outcome_of(check_error_log, "error_log", {"logs/error.log"}), "ok");
    EXPECT_EQ(outcome_of(check_error_log, "error_log", {"logs/error.log", "warn"}), "ok");
    EXPECT_EQ(outcome_of(check_error_log, "error_log", {"a", "loud"}),
              "invalid log level \"loud\"");
    EXPECT_EQ(outcome_of(check_error_log, "error_log", {"a", "warn", "error"}),
              "duplicate log level \"error\"");
}

TEST(ValueChecks, LogFormatNamesAreUnique) {
    EXPECT_EQ(outcome_of(check_log_format, "log_format", {"main", "$uri"}), "ok");
    EXPECT_EQ(outcome_of(check_log_format, "log_format", {"main", "$uri"},
                         {directive("log_format", {"main", "$args"})}),
              "duplicate \"log_format\" name \"main\"");
    EXPECT_EQ(outcome_of(check_log_format, "log_format", {"combined", "$uri"}),
              "duplicate \"log_format\" name \"combined\"");
}

TEST(ValueChecks, SetNeedsAVariable) {
    EXPECT_EQ(outcome_of(check_set, "set", {"$a", "1"}), "ok");
    EXPECT_EQ(outcome_of(check_set, "set", {"a", "1"}), "invalid variable name \"a\"");
    EXPECT_EQ(outcome_of(check_set, "set", {"$", "1"}), "invalid variable name \"$\"");
}

// nginx 1.22's words for `keepalive` in an upstream, zero included.
TEST(ValueChecks, UpstreamKeepaliveIsAPositiveNumber) {
    EXPECT_EQ(outcome_of(check_upstream_keepalive, "keepalive", {"16"}), "ok");
    EXPECT_EQ(outcome_of(check_upstream_keepalive, "keepalive", {"0"}),
              "invalid value \"0\" in \"keepalive\" directive");
    EXPECT_EQ(outcome_of(check_upstream_keepalive, "keepalive", {"x"}),
              "invalid value \"x\" in \"keepalive\" directive");
}

}  // namespace
}  // namespace strata::config::detail
