// The peers one request has already tried, so that a retry never picks one of them
// again: a bit per peer, the first 64 held inline (no allocation for usual groups).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace strata::web {

class TriedPeers {
  public:
    bool contains(std::size_t peer) const {
        if (peer < kInlineBits) return (first_ >> peer) & 1u;
        const std::size_t word = peer / kInlineBits - 1;
        return word < more_.size() && ((more_[word] >> (peer % kInlineBits)) & 1u);
    }

    void insert(std::size_t peer) {
        if (peer < kInlineBits) {
            first_ |= std::uint64_t{1} << peer;
            return;
        }
        const std::size_t word = peer / kInlineBits - 1;
        if (word >= more_.size()) more_.resize(word + 1);
        more_[word] |= std::uint64_t{1} << (peer % kInlineBits);
    }

    bool empty() const {
        if (first_ != 0) return false;
        for (std::uint64_t word : more_)
            if (word != 0) return false;
        return true;
    }

  private:
    static constexpr std::size_t kInlineBits = 64;
    std::uint64_t first_ = 0;          // peers 0…63
    std::vector<std::uint64_t> more_;  // peers 64 and on, 64 to a word
};

}  // namespace strata::web
