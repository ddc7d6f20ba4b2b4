// gunicorn's --timeout: each worker shows the master that it is alive through a small
// block of memory they share. The worker's loop beats it; the master reads it and aborts
// a worker whose loop stopped, or whose oldest app call has run too long.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace strata::process {

// CLOCK_MONOTONIC in milliseconds: one clock for every process of the tree (and the
// same as std::chrono::steady_clock on Linux).
uint64_t monotonic_ms();

// Lives in memory shared between the master and one worker (mmap MAP_SHARED), so it
// holds only lock-free atomics, which work across processes.
struct WorkerHeartbeat {
    std::atomic<uint64_t> tick_ms{0};        // when the worker's loop last beat
    std::atomic<uint64_t> busy_since_ms{0};  // start of its oldest app call; 0 when idle

    // Worker: "my loop is turning, and my oldest request started at `busy_since`".
    void beat(uint64_t busy_since);
    // Master: the loop has not beaten for `timeout_ms`, or a request has run that long.
    bool expired(uint64_t now, uint64_t timeout_ms) const;
};

static_assert(std::atomic<uint64_t>::is_always_lock_free, "shared between processes");

// How often a worker beats for a master allowing `timeout`: often enough that a healthy
// worker never looks late (gunicorn's workers notify at half the timeout).
std::chrono::milliseconds beat_interval(std::chrono::milliseconds timeout);

}  // namespace strata::process
