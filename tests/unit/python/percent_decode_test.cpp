#include "strata/python/detail/percent_decode.h"

#include <gtest/gtest.h>

namespace strata::python::detail {
namespace {

// gunicorn's unquote_to_bytes: escapes become bytes, broken escapes stay as written.
TEST(PercentDecode, MatchesUnquoteToBytes) {
    struct Case {
        std::string_view in;
        std::string_view out;
    };
    const Case cases[] = {
        {"", ""},
        {"/plain/path", "/plain/path"},
        {"/caf%C3%A9", "/caf\xC3\xA9"},
        {"/caf%c3%a9", "/caf\xC3\xA9"},
        {"/a%2Fb", "/a/b"},
        {"/sp%20ace+plus", "/sp ace+plus"},
        {"/nul%00byte", std::string_view("/nul\0byte", 9)},
        {"/bad%zz", "/bad%zz"},
        {"/half%4", "/half%4"},
        {"/end%", "/end%"},
        {"%41%", "A%"},
        {"%%41", "%A"},
        {"/%ff%FE", "/\xff\xfe"},
    };
    for (const Case& c : cases) {
        std::string out = "prefix:";
        percent_decode(c.in, out);
        EXPECT_EQ(out, "prefix:" + std::string(c.out)) << c.in;
    }
}

}  // namespace
}  // namespace strata::python::detail
