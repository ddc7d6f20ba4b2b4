// What the fuzz targets share: control bytes read off the front of an input (options,
// split points), and properties that stop the run as a crash when they fail, so that
// libFuzzer keeps the input that broke them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace strata::fuzz {

// Reports a broken property and aborts: libFuzzer treats the abort as a crash.
[[noreturn]] inline void property_failed(const char* what, std::string_view detail = {}) {
    std::fprintf(stderr, "fuzz property failed: %s", what);
    if (!detail.empty())
        std::fprintf(stderr, " [%.*s]", static_cast<int>(detail.size()), detail.data());
    std::fputc('\n', stderr);
    std::abort();
}

inline void require(bool holds, const char* what, std::string_view detail = {}) {
    if (!holds) property_failed(what, detail);
}

// The input as libFuzzer gives it: control bytes first (a missing one reads as 0), then
// the payload the target parses.
class FuzzInput {
  public:
    FuzzInput(const uint8_t* data, size_t size)
        : rest_(reinterpret_cast<const char*>(data), size) {}

    uint8_t byte() {
        if (rest_.empty()) return 0;
        auto b = static_cast<uint8_t>(rest_.front());
        rest_.remove_prefix(1);
        return b;
    }
    uint64_t u64() {
        uint64_t v = 0;
        for (int i = 0; i < 8; ++i)
            v = v << 8 | byte();
        return v;
    }
    std::string_view rest() const { return rest_; }

  private:
    std::string_view rest_;
};

// A position in [0, size] chosen by a control byte: 0 is the start, 255 the end.
inline size_t split_point(uint8_t selector, size_t size) {
    return size * selector / 255;
}

// Whether `part` lies inside `whole` (views that must point into the input).
inline bool points_into(std::string_view part, std::string_view whole) {
    if (part.empty()) return true;
    auto p = reinterpret_cast<uintptr_t>(part.data());
    auto w = reinterpret_cast<uintptr_t>(whole.data());
    return p >= w && p + part.size() <= w + whole.size();
}

}  // namespace strata::fuzz
