#include "strata/python/detail/header_keys.h"

#include <gtest/gtest.h>

#include "python_test_support.h"

namespace strata::python::detail {
namespace {

TEST(HeaderKeys, FollowsCgiNaming) {
    EXPECT_EQ(http_key_text("User-Agent"), "HTTP_USER_AGENT");
    EXPECT_EQ(http_key_text("x-forwarded-for"), "HTTP_X_FORWARDED_FOR");
    EXPECT_EQ(http_key_text("DNT"), "HTTP_DNT");
    EXPECT_EQ(http_key_text("X-Custom.9"), "HTTP_X_CUSTOM.9");
}

TEST(HeaderKeys, CachesInternedKeysUpToTheBound) {
    GilGuard gil;
    HeaderKeys keys;
    PyRef first = keys.key_for("Accept");
    PyRef again = keys.key_for("Accept");
    ASSERT_TRUE(first);
    EXPECT_EQ(first.get(), again.get());
    EXPECT_EQ(str_of(first.get()), "HTTP_ACCEPT");
    PyRef literal(PyUnicode_InternFromString("HTTP_ACCEPT"));
    EXPECT_EQ(first.get(), literal.get());  // interned: the app's literal is the same object

    for (size_t i = 0; i < HeaderKeys::kMaxEntries + 50; ++i)
        ASSERT_TRUE(keys.key_for("X-Name-" + std::to_string(i)));
    EXPECT_EQ(keys.size(), HeaderKeys::kMaxEntries);
    PyRef beyond = keys.key_for("X-Beyond-The-Bound");
    EXPECT_EQ(str_of(beyond.get()), "HTTP_X_BEYOND_THE_BOUND");
    EXPECT_EQ(keys.size(), HeaderKeys::kMaxEntries);
}

}  // namespace
}  // namespace strata::python::detail
