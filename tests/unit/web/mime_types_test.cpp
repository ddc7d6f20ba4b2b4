#include "strata/web/mime_types.h"

#include <gtest/gtest.h>

namespace strata::web {
namespace {

TEST(MimeTypes, ByExtensionCaseInsensitive) {
    EXPECT_EQ(mime_type_for("/index.html", "x/y"), "text/html");
    EXPECT_EQ(mime_type_for("/A.PNG", "x/y"), "image/png");
    EXPECT_EQ(mime_type_for("/app.js", "x/y"), "application/javascript");
}

TEST(MimeTypes, FallbackWhenUnknownOrNoExtension) {
    EXPECT_EQ(mime_type_for("/README", "application/octet-stream"), "application/octet-stream");
    EXPECT_EQ(mime_type_for("/dir.d/file", "x/y"), "x/y");
    EXPECT_EQ(mime_type_for("/archive.xyz", "x/y"), "x/y");
}

}  // namespace
}  // namespace strata::web
