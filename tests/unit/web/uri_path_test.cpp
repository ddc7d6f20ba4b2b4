#include "strata/web/uri_path.h"

#include <gtest/gtest.h>

namespace strata::web {
namespace {

struct Case {
    const char* target;
    const char* path;  // nullptr: rejected with `error`
    UriError error;
};

const Case kCases[] = {
    {"/", "/", {}},
    {"/index.html", "/index.html", {}},
    {"/a/b/", "/a/b/", {}},
    {"/a.b/c.d", "/a.b/c.d", {}},  // a dot inside a segment leaves it as it is
    {"/.well-known/x", "/.well-known/x", {}},
    {"/a/.", "/a/", {}},
    {"/a/", "/a/", {}},
    {"//", "/", {}},
    {"/a//b///c", "/a/b/c", {}},
    {"/a/./b/.", "/a/b/", {}},
    {"/a/b/../c", "/a/c", {}},
    {"/a/b/..", "/a/", {}},
    {"/a/%2e%2e/b", "/b", {}},  // decoded before normalising
    {"/a%2fb", "/a/b", {}},
    {"/a%20b?x=/../..", "/a b", {}},
    {"/caf%C3%A9", "/caf\xc3\xa9", {}},
    {"http://example.com/x/../y?q", "/y", {}},
    {"http://example.com", "/", {}},
    {"/..", nullptr, UriError::above_root},
    {"/a/../..", nullptr, UriError::above_root},
    {"/%2e%2e/etc/passwd", nullptr, UriError::above_root},
    {"/a/%2E%2E/%2e%2e/x", nullptr, UriError::above_root},
    {"/a%00b", nullptr, UriError::nul_byte},
    {"/a%zzb", nullptr, UriError::bad_escape},
    {"/a%2", nullptr, UriError::bad_escape},
    {"*", nullptr, UriError::not_a_path},
};

class UriPathTable : public testing::TestWithParam<Case> {};

TEST_P(UriPathTable, Normalises) {
    const Case& c = GetParam();
    auto r = normalize_target_path(c.target);
    if (c.path) {
        ASSERT_TRUE(r.ok()) << c.target;
        EXPECT_EQ(r.value(), c.path) << c.target;
    } else {
        ASSERT_FALSE(r.ok()) << c.target << " gave " << r.value();
        EXPECT_EQ(r.error(), c.error) << c.target;
    }
}

INSTANTIATE_TEST_SUITE_P(Cases, UriPathTable, testing::ValuesIn(kCases));

}  // namespace
}  // namespace strata::web
