// gunicorn's per-worker request limit: max_requests + randint(0, max_requests_jitter), so
// the workers of one start do not all leave at the same moment.
#pragma once

#include <cstdint>

namespace strata::cli {

// 0 (no limit) when max_requests is 0.
uint64_t jittered_max_requests(uint64_t max_requests, uint64_t jitter);

}  // namespace strata::cli
