// The master's side of a worker's heartbeat: the shared block it maps before fork().
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "strata/base/result.h"
#include "strata/process/heartbeat.h"

namespace strata::process::detail {

// A heartbeat in anonymous shared memory (MAP_SHARED | MAP_ANONYMOUS), so a worker
// forked after this call writes what the master reads. It starts as if beaten at
// `now_ms`: the worker's boot counts toward its timeout, as in gunicorn. Unmapped when
// the last owner lets go.
Result<std::shared_ptr<WorkerHeartbeat>, std::string> map_shared_heartbeat(uint64_t now_ms);

}  // namespace strata::process::detail
