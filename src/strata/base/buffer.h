// A contiguous byte buffer with a read cursor: bytes are appended at the back and
// consumed from the front; consumed space is reclaimed by compaction, never per byte.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace strata {

// Storage of up to kBufferBlock bytes comes from a per-thread pool of blocks and goes
// back to it: connections that free their buffers between requests (so that an idle
// one holds none) then take them back without touching the allocator.
inline constexpr size_t kBufferBlock = 4096;

class Buffer {
  public:
    Buffer() = default;
    explicit Buffer(size_t capacity) { reserve(capacity); }
    Buffer(Buffer&& other) noexcept;
    Buffer& operator=(Buffer&& other) noexcept;
    ~Buffer() { recycle(); }

    // Unconsumed bytes.
    std::string_view view() const { return {data_.get() + begin_, end_ - begin_}; }
    const char* data() const { return data_.get() + begin_; }
    size_t size() const { return end_ - begin_; }
    bool empty() const { return begin_ == end_; }
    size_t capacity() const { return capacity_; }

    // Space after the last byte, at least `min` bytes (grows or compacts as needed).
    // Inline when the space is there: response heads call it once a field.
    char* prepare(size_t min) {
        if (writable() >= min) return data_.get() + end_;
        return make_room(min);
    }
    size_t writable() const { return capacity_ - end_; }
    void commit(size_t n) { end_ += n; }

    void append(std::string_view bytes) {
        if (bytes.empty()) return;  // an unallocated buffer has no address to copy to
        std::memcpy(prepare(bytes.size()), bytes.data(), bytes.size());
        commit(bytes.size());
    }
    void consume(size_t n);
    // Removes n unconsumed bytes starting `pos` bytes in; bytes before stay in place.
    void erase(size_t pos, size_t n);
    void clear() { begin_ = end_ = 0; }
    // Frees the storage of an empty buffer (idle keep-alive connections hold none).
    void release();

  private:
    char* make_room(size_t min);
    void reserve(size_t capacity);
    void recycle();  // gives the storage back (to the pool when it is a block)

    std::unique_ptr<char[]> data_;
    size_t begin_ = 0;
    size_t end_ = 0;
    size_t capacity_ = 0;
};

}  // namespace strata
