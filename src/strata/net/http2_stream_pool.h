// Finished HTTP/2 streams kept by the loop thread for the next ones, of any of its
// sessions: a stream's object, its head buffers and its piece queue are then allocated
// once per busy stream slot, not once per request. Bounded, so a burst of streams
// leaves no more than kMaxPooledStreams behind, and idle connections hold none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace strata::net {

class Http2Session;
class Http2Stream;

class Http2StreamPool {
  public:
    static constexpr size_t kMaxPooledStreams = 256;

    // A stream ready to be `id` of `session`: a pooled one, or a new one.
    static std::unique_ptr<Http2Stream> take(Http2Session& session, int32_t id);
    // `stream` is finished (nothing refers to it any more): it is recycled, or freed
    // when the pool is full.
    static void give_back(std::unique_ptr<Http2Stream> stream);
};

}  // namespace strata::net
