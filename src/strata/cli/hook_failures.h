// What gunicorn does when a server hook raises at a moment that cannot go on without it.
#pragma once

#include "strata/python/hooks.h"

namespace strata::cli {

// on_starting or when_ready raised: the server does not start (the traceback is logged).
[[noreturn]] void abandon_start();

// post_fork or post_worker_init raised: the worker does not boot, which stops the master
// (gunicorn's WORKER_BOOT_ERROR). gunicorn still runs worker_exit on the way out.
[[noreturn]] void abandon_worker(python::ServerHooks& hooks);

}  // namespace strata::cli
