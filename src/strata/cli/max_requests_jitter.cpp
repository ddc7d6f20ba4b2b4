#include "strata/cli/max_requests_jitter.h"

#include <unistd.h>

#include <random>

namespace strata::cli {

uint64_t jittered_max_requests(uint64_t max_requests, uint64_t jitter) {
    if (max_requests == 0 || jitter == 0) return max_requests;
    // Seeded per process: workers forked from one master must not draw the same number.
    std::mt19937_64 random(std::random_device{}() ^ static_cast<uint64_t>(::getpid()));
    return max_requests + random() % (jitter + 1);
}

}  // namespace strata::cli
