#include "strata/net/http2_memory.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <utility>

#if defined(__SANITIZE_ADDRESS__)
#define STRATA_HTTP2_POOL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define STRATA_HTTP2_POOL 0
#endif
#endif
#ifndef STRATA_HTTP2_POOL
#define STRATA_HTTP2_POOL 1
#endif

namespace strata::net {
#if STRATA_HTTP2_POOL
namespace {

// Each block starts with its class, padded to keep the caller's part max-aligned.
constexpr size_t kHeader = alignof(std::max_align_t);
constexpr size_t kClasses = 8;  // 64 B .. 8 KiB, doubling
constexpr size_t kSmallest = 64;
constexpr uint32_t kLarge = kClasses;  // beyond the classes: plain malloc
// Free blocks kept per class: up to 64 KiB of them, at least 16.
constexpr size_t kKeptBytes = 64 * 1024;

constexpr size_t class_size(uint32_t c) {
    return kSmallest << c;
}

uint32_t class_for(size_t total) {
    uint32_t c = 0;
    while (c < kClasses && class_size(c) < total)
        ++c;
    return c;
}

struct FreeBlock {
    FreeBlock* next;
};

// One thread's free lists; what they hold is freed when the thread ends.
class Pool {
  public:
    ~Pool() {
        for (FreeBlock* head : heads_)
            while (head != nullptr)
                std::free(std::exchange(head, head->next));
    }

    void* take(uint32_t c) {
        FreeBlock* block = heads_[c];
        if (block == nullptr) return std::malloc(class_size(c));
        heads_[c] = block->next;
        --counts_[c];
        return block;
    }

    void give(uint32_t c, void* raw) {
        if (counts_[c] >= std::max<size_t>(16, kKeptBytes / class_size(c))) return std::free(raw);
        auto* block = static_cast<FreeBlock*>(raw);
        block->next = heads_[c];
        heads_[c] = block;
        ++counts_[c];
    }

  private:
    std::array<FreeBlock*, kClasses> heads_{};
    std::array<size_t, kClasses> counts_{};
};

Pool& pool() {
    thread_local Pool p;
    return p;
}

uint32_t& class_of(void* user) {
    return *reinterpret_cast<uint32_t*>(static_cast<char*>(user) - kHeader);
}

void* allocate(size_t size, void* /*mem_user_data*/) {
    size_t total = size + kHeader;
    uint32_t c = class_for(total);
    void* raw = c == kLarge ? std::malloc(total) : pool().take(c);
    if (raw == nullptr) return nullptr;
    *static_cast<uint32_t*>(raw) = c;
    return static_cast<char*>(raw) + kHeader;
}

void release(void* user, void* /*mem_user_data*/) {
    if (user == nullptr) return;
    uint32_t c = class_of(user);
    void* raw = static_cast<char*>(user) - kHeader;
    if (c == kLarge)
        std::free(raw);
    else
        pool().give(c, raw);
}

void* allocate_zeroed(size_t count, size_t size, void* mem_user_data) {
    if (size != 0 && count > SIZE_MAX / size) return nullptr;
    void* user = allocate(count * size, mem_user_data);
    if (user != nullptr) std::memset(user, 0, count * size);
    return user;
}

// A block that still fits its class stays; otherwise the bytes move to a new one. A
// large block's old size is unknown here, so large ones grow with realloc itself.
void* reallocate(void* user, size_t size, void* mem_user_data) {
    if (user == nullptr) return allocate(size, mem_user_data);
    uint32_t c = class_of(user);
    if (c == kLarge) {
        void* raw = std::realloc(static_cast<char*>(user) - kHeader, size + kHeader);
        return raw == nullptr ? nullptr : static_cast<char*>(raw) + kHeader;
    }
    size_t room = class_size(c) - kHeader;
    if (size <= room) return user;
    void* moved = allocate(size, mem_user_data);
    if (moved == nullptr) return nullptr;
    std::memcpy(moved, user, room);
    release(user, mem_user_data);
    return moved;
}

}  // namespace
#endif

nghttp2_mem* http2_memory() {
#if STRATA_HTTP2_POOL
    static nghttp2_mem memory{nullptr, allocate, release, allocate_zeroed, reallocate};
    return &memory;
#else
    return nullptr;  // nghttp2's own malloc
#endif
}

}  // namespace strata::net
