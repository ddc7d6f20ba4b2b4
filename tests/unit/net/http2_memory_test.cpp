#include "strata/net/http2_memory.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace strata::net {
namespace {

bool under_address_sanitizer() {
#if defined(__SANITIZE_ADDRESS__)
    return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    return true;
#else
    return false;
#endif
#else
    return false;
#endif
}

TEST(Http2Memory, PassesToMallocUnderAddressSanitizer) {
    EXPECT_EQ(http2_memory() == nullptr, under_address_sanitizer());
}

// Sizes around every class boundary and beyond the largest class.
const std::vector<size_t> kSizes = {1,    47,   48,   49,   100,  240,  496,
                                    1000, 2032, 4080, 8176, 8177, 70000};

TEST(Http2Memory, BlocksHoldTheirBytesAndComeBackAligned) {
    nghttp2_mem* mem = http2_memory();
    if (mem == nullptr) return;                // nghttp2's own malloc: covered by the test above
    for (int round = 0; round < 3; ++round) {  // the second and third reuse freed blocks
        std::vector<void*> blocks;
        for (size_t size : kSizes) {
            auto* p = static_cast<unsigned char*>(mem->malloc(size, mem->mem_user_data));
            ASSERT_NE(p, nullptr);
            EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % alignof(std::max_align_t), 0u);
            std::memset(p, static_cast<int>(size & 0xff), size);
            blocks.push_back(p);
        }
        for (size_t i = 0; i < kSizes.size(); ++i) {
            auto* p = static_cast<unsigned char*>(blocks[i]);
            EXPECT_EQ(p[0], kSizes[i] & 0xff);
            EXPECT_EQ(p[kSizes[i] - 1], kSizes[i] & 0xff);
            mem->free(p, mem->mem_user_data);
        }
    }
    mem->free(nullptr, mem->mem_user_data);
}

TEST(Http2Memory, CallocZeroesAndReallocKeepsTheBytes) {
    nghttp2_mem* mem = http2_memory();
    if (mem == nullptr) return;
    auto* z = static_cast<unsigned char*>(mem->calloc(10, 30, mem->mem_user_data));
    ASSERT_NE(z, nullptr);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(z), 300), std::string(300, '\0'));
    mem->free(z, mem->mem_user_data);

    std::string text = "0123456789abcdef";
    auto* p = static_cast<char*>(mem->realloc(nullptr, text.size(), mem->mem_user_data));
    std::memcpy(p, text.data(), text.size());
    for (size_t size : {20, 40, 1000, 5000, 100000, 200000}) {  // within, across, beyond
        p = static_cast<char*>(mem->realloc(p, size, mem->mem_user_data));
        ASSERT_NE(p, nullptr);
        EXPECT_EQ(std::string(p, text.size()), text) << size;
    }
    mem->free(p, mem->mem_user_data);
}

}  // namespace
}  // namespace strata::net
