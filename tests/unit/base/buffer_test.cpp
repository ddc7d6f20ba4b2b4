#include "strata/base/buffer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace strata {
namespace {

TEST(Buffer, AppendConsumeKeepsOrder) {
    Buffer b;
    b.append("hello ");
    b.append("world");
    EXPECT_EQ(b.view(), "hello world");
    b.consume(6);
    EXPECT_EQ(b.view(), "world");
    b.consume(100);
    EXPECT_TRUE(b.empty());
}

TEST(Buffer, PrepareCompactsBeforeGrowing) {
    Buffer b(16);
    b.append("0123456789abcdef");
    b.consume(10);
    char* p = b.prepare(8);  // 6 live bytes + 8 fit in 16 after compaction
    EXPECT_EQ(b.capacity(), 16u);
    std::memcpy(p, "ghijklmn", 8);
    b.commit(8);
    EXPECT_EQ(b.view(), "abcdefghijklmn");
}

TEST(Buffer, GrowsWhenFull) {
    Buffer b(4);
    std::string big(1000, 'x');
    b.append(big);
    EXPECT_EQ(b.view(), big);
    EXPECT_GE(b.capacity(), 1000u);
}

TEST(Buffer, ReleaseFreesOnlyEmptyBuffers) {
    Buffer b(64);
    b.append("x");
    b.release();
    EXPECT_EQ(b.view(), "x");
    b.consume(1);
    b.release();
    EXPECT_EQ(b.capacity(), 0u);
}

}  // namespace
}  // namespace strata
