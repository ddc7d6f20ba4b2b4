#include "strata/config/directive.h"

#include <gtest/gtest.h>

namespace strata::config {
namespace {

TEST(ConfigError, NamesFileAndLine) {
    ConfigError error{SourceLocation{"conf/x.conf", 12}, "unknown directive \"lisen\""};
    EXPECT_EQ(error.to_string(), "conf/x.conf:12: unknown directive \"lisen\"");
}

TEST(ConfigError, WithoutFileIsJustTheMessage) {
    ConfigError error{SourceLocation{}, "open() \"/x\" failed (2: No such file or directory)"};
    EXPECT_EQ(error.to_string(), "open() \"/x\" failed (2: No such file or directory)");
}

}  // namespace
}  // namespace strata::config
