#include "strata/base/buffer.h"

#include <algorithm>
#include <cstring>

namespace strata {

void Buffer::reserve(size_t capacity) {
    if (capacity <= capacity_) return;
    // No zero-fill: the bytes are written before they are read.
    auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
    if (size() > 0) std::memcpy(bigger.get(), data(), size());
    end_ -= begin_;
    begin_ = 0;
    data_ = std::move(bigger);
    capacity_ = capacity;
}

char* Buffer::prepare(size_t min) {
    if (writable() >= min) return data_.get() + end_;
    if (begin_ > 0 && capacity_ - size() >= min) {
        std::memmove(data_.get(), data(), size());
        end_ -= begin_;
        begin_ = 0;
    } else {
        reserve(std::max(capacity_ * 2, size() + min));
    }
    return data_.get() + end_;
}

void Buffer::append(std::string_view bytes) {
    if (bytes.empty()) return;  // an unallocated buffer has no address to copy to
    std::memcpy(prepare(bytes.size()), bytes.data(), bytes.size());
    commit(bytes.size());
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
    if (!empty()) return;
    data_.reset();
    begin_ = end_ = capacity_ = 0;
}

}  // namespace strata
