#include "strata/cli/front_hooks.h"

#include "strata/cli/hook_failures.h"

namespace strata::cli {

void install_master_hooks(process::MasterOptions& options,
                          std::shared_ptr<python::ServerHooks> hooks) {
    python::ServerHooks* h = hooks.get();
    options.when_ready = [h](const std::vector<int>&) {
        if (!h->when_ready()) abandon_start();
    };
    options.on_reload = [h] { h->on_reload(); };
    options.nworkers_changed = [h](unsigned new_value, unsigned old_value) {
        h->nworkers_changed(new_value, old_value);
    };
    options.pre_fork = [h](unsigned) { h->pre_fork(); };
    options.after_fork_in_parent = [h] { h->after_fork_in_parent(); };
    options.post_fork = [h](const process::WorkerContext&) {
        if (!h->post_fork()) abandon_worker(*h);
    };
    options.child_exit = [h](pid_t pid, int wait_status) { h->child_exit(pid, wait_status); };
    // The last moment the hooks are needed: they live as long as the master's options.
    options.on_exit = [hooks] { hooks->on_exit(); };
    options.before_new_binary_fork = [h] { h->before_exec_fork(); };
    options.after_new_binary_fork_in_parent = [h] { h->after_exec_fork_in_parent(); };
    options.pre_exec = [h] { return h->pre_exec(); };
}

void install_worker_hooks(process::HttpWorkerOptions& options, python::ServerHooks& hooks) {
    options.on_fast_stop = [&hooks] { hooks.worker_int(); };
    options.on_abort = [&hooks] { hooks.worker_abort(); };
}

}  // namespace strata::cli
