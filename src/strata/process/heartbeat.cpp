#include "strata/process/heartbeat.h"

#include <time.h>

#include <algorithm>

namespace strata::process {
namespace {

// A beat this often at most: gunicorn's workers wake about once a second.
constexpr int64_t kMaxBeatIntervalMs = 500;
constexpr int64_t kMinBeatIntervalMs = 10;

bool older_than(uint64_t then, uint64_t now, uint64_t limit) {
    return now > then && now - then > limit;
}

}  // namespace

uint64_t monotonic_ms() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1'000'000;
}

void WorkerHeartbeat::beat(uint64_t busy_since) {
    busy_since_ms.store(busy_since, std::memory_order_relaxed);
    tick_ms.store(monotonic_ms(), std::memory_order_release);
}

bool WorkerHeartbeat::expired(uint64_t now, uint64_t timeout_ms) const {
    uint64_t tick = tick_ms.load(std::memory_order_acquire);
    uint64_t busy = busy_since_ms.load(std::memory_order_relaxed);
    return older_than(tick, now, timeout_ms) || (busy != 0 && older_than(busy, now, timeout_ms));
}

std::chrono::milliseconds beat_interval(std::chrono::milliseconds timeout) {
    int64_t quarter = timeout.count() / 4;
    return std::chrono::milliseconds(std::clamp(quarter, kMinBeatIntervalMs, kMaxBeatIntervalMs));
}

}  // namespace strata::process
