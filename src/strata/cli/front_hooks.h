// A wsgi_config file's server hooks at the front server's moments, with gunicorn's
// arguments (python/hooks.h makes them). In the master: on_starting (before the
// listeners are bound), when_ready, on_reload, nworkers_changed, pre_fork, child_exit,
// on_exit, pre_exec (USR2). In each worker: post_fork, post_worker_init (the apps are
// imported), pre_request / post_request (each app request), worker_int (a fast stop:
// nginx's TERM or INT), worker_abort (wsgi_timeout), worker_exit.
#pragma once

#include <memory>

#include "strata/process/http_worker.h"
#include "strata/process/master.h"
#include "strata/python/hooks.h"

namespace strata::cli {

// The hooks in force in the master: the start's wsgi_config's, then each reload's, as
// gunicorn calls the hooks of the configuration it read again. The master's record of
// its workers carries over (python::ServerHooks::adopt_workers).
class MasterHooks {
  public:
    explicit MasterHooks(std::shared_ptr<python::ServerHooks> start) : hooks_(std::move(start)) {}
    const std::shared_ptr<python::ServerHooks>& current() const { return hooks_; }
    // `next`: the reload's; null when its configuration has no wsgi_config (then no hook is
    // called, and the interpreter's fork protocol still runs).
    void replace(std::shared_ptr<python::ServerHooks> next);

  private:
    std::shared_ptr<python::ServerHooks> hooks_;
};

// The master's hooks after on_starting (the caller's, before run_master), and the
// interpreter's fork protocol around every fork.
void install_master_hooks(process::MasterOptions& options, std::shared_ptr<MasterHooks> hooks);

// A worker's stop hooks on its serving options.
void install_worker_hooks(process::HttpWorkerOptions& options, python::ServerHooks& hooks);

}  // namespace strata::cli
