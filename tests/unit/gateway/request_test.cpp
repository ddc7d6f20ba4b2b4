#include "strata/gateway/request.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdio.h>
#include <unistd.h>

#include <string>

#include "strata/gateway/app.h"

namespace strata::gateway {
namespace {

TEST(RequestBody, ReadsFromMemoryInPieces) {
    RequestBody body = RequestBody::in_memory("hello world");
    char out[8];
    EXPECT_EQ(body.size(), 11u);
    EXPECT_FALSE(body.spooled());
    ASSERT_EQ(body.read(0, out, 5), 5u);
    EXPECT_EQ(std::string(out, 5), "hello");
    ASSERT_EQ(body.read(6, out, 8), 5u);
    EXPECT_EQ(std::string(out, 5), "world");
    EXPECT_EQ(body.read(11, out, 8), 0u);
    EXPECT_EQ(body.read(400, out, 8), 0u);
}

TEST(RequestBody, ReadsASpoolFileAndClosesIt) {
    FILE* tmp = ::tmpfile();
    ASSERT_NE(tmp, nullptr);
    int fd = ::dup(::fileno(tmp));
    ::fclose(tmp);
    ASSERT_EQ(::write(fd, "0123456789", 10), 10);
    {
        RequestBody body = RequestBody::in_file(fd, 10);
        RequestBody moved = std::move(body);
        EXPECT_EQ(body.size(), 0u);
        EXPECT_TRUE(moved.spooled());
        char out[4];
        ASSERT_EQ(moved.read(7, out, 4), 3u);
        EXPECT_EQ(std::string(out, 3), "789");
        EXPECT_TRUE(moved.memory().empty());
    }
    EXPECT_EQ(::fcntl(fd, F_GETFD), -1);  // closed with its owner
}

TEST(Request, FindsFieldsCaseInsensitively) {
    Request r;
    r.head_bytes = "X-One: 1\r\nx-two: 2\r\n";
    r.headers.push_back({std::string_view(r.head_bytes).substr(0, 5), "1"});
    r.headers.push_back({std::string_view(r.head_bytes).substr(10, 5), "2"});
    EXPECT_EQ(r.find("x-one"), "1");
    EXPECT_EQ(r.find("X-TWO"), "2");
    EXPECT_EQ(r.find("x-three"), "");
}

TEST(BodyOf, YieldsItsBytesOnceThenEnds) {
    auto body = body_of("abc");
    BodyPart first = body->next();
    EXPECT_EQ(first.kind, BodyPart::Kind::bytes);
    EXPECT_EQ(first.bytes, "abc");
    EXPECT_EQ(body->next().kind, BodyPart::Kind::end);
}

}  // namespace
}  // namespace strata::gateway
