// The allocator nghttp2 gets: its many small, short-lived blocks (a stream, each frame
// queued, a header block's copy) come from per-thread free lists by size class instead
// of malloc, which for bursts of streams misses its own small caches. Under
// AddressSanitizer it passes straight to malloc, so the sanitizer still sees each block.
#pragma once

#include <nghttp2/nghttp2.h>

namespace strata::net {

// The same object for every session; the lists belong to the calling thread (a
// session lives and dies on its loop thread).
nghttp2_mem* http2_memory();

}  // namespace strata::net
