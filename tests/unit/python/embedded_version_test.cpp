#include "strata/python/embedded_version.h"

#include <gtest/gtest.h>

namespace strata::python {
namespace {

// Debian's libpython3.11, whatever python3 comes first on PATH.
TEST(EmbeddedVersion, IsDebiansPython311) {
    EXPECT_EQ(embedded_version().rfind("3.11.", 0), 0u) << embedded_version();
}

}  // namespace
}  // namespace strata::python
