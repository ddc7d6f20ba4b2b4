#include "strata/base/buffer.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace strata {
namespace {

constexpr size_t kMaxPooledBlocks = 256;  // 1 MiB per thread at most

std::vector<std::unique_ptr<char[]>>& block_pool() {
    thread_local std::vector<std::unique_ptr<char[]>> pool;
    return pool;
}

// No zero-fill anywhere: the bytes are written before they are read.
std::unique_ptr<char[]> allocate(size_t capacity) {
    auto& pool = block_pool();
    if (capacity == kBufferBlock && !pool.empty()) {
        std::unique_ptr<char[]> block = std::move(pool.back());
        pool.pop_back();
        return block;
    }
    return std::make_unique_for_overwrite<char[]>(capacity);
}

}  // namespace

Buffer::Buffer(Buffer&& other) noexcept
    : data_(std::move(other.data_)),
      begin_(other.begin_),
      end_(other.end_),
      capacity_(other.capacity_) {
    other.begin_ = other.end_ = other.capacity_ = 0;
}

Buffer& Buffer::operator=(Buffer&& other) noexcept {
    if (this == &other) return *this;
    recycle();
    data_ = std::move(other.data_);
    begin_ = other.begin_;
    end_ = other.end_;
    capacity_ = other.capacity_;
    other.begin_ = other.end_ = other.capacity_ = 0;
    return *this;
}

void Buffer::recycle() {
    auto& pool = block_pool();
    if (capacity_ == kBufferBlock && pool.size() < kMaxPooledBlocks)
        pool.push_back(std::move(data_));
    data_.reset();
    begin_ = end_ = capacity_ = 0;
}

void Buffer::reserve(size_t capacity) {
    if (capacity <= capacity_) return;
    if (capacity < kBufferBlock) capacity = kBufferBlock;  // small buffers are pool blocks
    auto bigger = allocate(capacity);
    if (size() > 0) std::memcpy(bigger.get(), data(), size());
    size_t live = size();
    recycle();
    data_ = std::move(bigger);
    end_ = live;
    capacity_ = capacity;
}

char* Buffer::make_room(size_t min) {
    if (begin_ > 0 && capacity_ - size() >= min) {
        std::memmove(data_.get(), data(), size());
        end_ -= begin_;
        begin_ = 0;
    } else {
        reserve(std::max(capacity_ * 2, size() + min));
    }
    return data_.get() + end_;
}

void Buffer::consume(size_t n) {
    begin_ += std::min(n, size());
    if (begin_ == end_) begin_ = end_ = 0;
}

void Buffer::erase(size_t pos, size_t n) {
    if (pos >= size()) return;
    n = std::min(n, size() - pos);
    char* at = data_.get() + begin_ + pos;
    std::memmove(at, at + n, size() - pos - n);
    end_ -= n;
}

void Buffer::release() {
    if (empty()) recycle();
}

}  // namespace strata
