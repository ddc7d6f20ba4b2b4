#include "strata/net/http2_stream_pool.h"

#include <vector>

#include "strata/net/http2_stream.h"

namespace strata::net {
namespace {

// Per thread: each loop thread runs its own sessions.
std::vector<std::unique_ptr<Http2Stream>>& pooled() {
    thread_local std::vector<std::unique_ptr<Http2Stream>> streams;
    return streams;
}

}  // namespace

std::unique_ptr<Http2Stream> Http2StreamPool::take(Http2Session& session, int32_t id) {
    auto& streams = pooled();
    if (streams.empty()) return std::make_unique<Http2Stream>(session, id);
    std::unique_ptr<Http2Stream> stream = std::move(streams.back());
    streams.pop_back();
    stream->open(session, id);
    return stream;
}

void Http2StreamPool::give_back(std::unique_ptr<Http2Stream> stream) {
    auto& streams = pooled();
    if (streams.size() >= kMaxPooledStreams) return;  // freed here
    stream->recycle();
    streams.push_back(std::move(stream));
}

}  // namespace strata::net
