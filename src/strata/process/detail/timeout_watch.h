// gunicorn's murder_workers(): the master's check of every worker's heartbeat.
#pragma once

#include <cstdint>

#include "strata/process/detail/worker_table.h"
#include "strata/process/messages.h"

namespace strata::process::detail {

// A worker told to abort gets this long to run its abort hook and leave before SIGKILL
// (gunicorn kills it at its next check, a second later).
inline constexpr uint64_t kAbortKillMs = 1000;

// How often the master looks, given the timeout: gunicorn's arbiter wakes every second;
// a short timeout is looked at more often, so it is honoured closely.
uint64_t timeout_check_interval_ms(uint64_t timeout_ms);

// Logs WORKER TIMEOUT and sends SIGABRT to each worker whose heartbeat expired (once),
// and sets its SIGKILL deadline. Workers told to stop fast are left to that deadline.
// Each worker has its generation's timeout: a reload may change it.
void abort_hung_workers(WorkerTable& workers, uint64_t now_ms, const MasterMessages& messages);

// The shortest timeout of the watched workers; 0 when none is watched.
uint64_t shortest_timeout_ms(const WorkerTable& workers);

}  // namespace strata::process::detail
