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
    Buffer b;
    b.append(std::string(kBufferBlock, 'a'));
    EXPECT_EQ(b.capacity(), kBufferBlock);
    b.consume(kBufferBlock - 6);
    std::memcpy(b.prepare(8), "ghijklmn", 8);  // 6 live bytes + 8 fit after compaction
    b.commit(8);
    EXPECT_EQ(b.capacity(), kBufferBlock);
    EXPECT_EQ(b.view(), "aaaaaaghijklmn");
}

TEST(Buffer, SmallBuffersAreWholeBlocksFromThePool) {
    Buffer first;
    first.append("x");
    const char* block = first.data();
    EXPECT_EQ(first.capacity(), kBufferBlock);
    first.consume(1);
    first.release();  // back to the pool
    Buffer second;
    second.append("y");
    EXPECT_EQ(second.data(), block);  // the same block, without the allocator
}

TEST(Buffer, MovesKeepTheBytes) {
    Buffer a;
    a.append("moved");
    Buffer b(std::move(a));
    EXPECT_EQ(b.view(), "moved");
    EXPECT_TRUE(a.empty());
    Buffer c;
    c.append("old");
    c = std::move(b);
    EXPECT_EQ(c.view(), "moved");
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
