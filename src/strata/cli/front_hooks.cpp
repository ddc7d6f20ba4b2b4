#include "strata/cli/front_hooks.h"

#include "strata/cli/hook_failures.h"

namespace strata::cli {

void MasterHooks::replace(std::shared_ptr<python::ServerHooks> next) {
    if (!next) next = std::make_shared<python::ServerHooks>();
    next->adopt_workers(*hooks_);
    hooks_ = std::move(next);
}

void install_master_hooks(process::MasterOptions& options, std::shared_ptr<MasterHooks> hooks) {
    // Each call looks the hooks up: a reload may have replaced them.
    options.when_ready = [hooks](const std::vector<int>&) {
        if (!hooks->current()->when_ready()) abandon_start();
    };
    options.on_reload = [hooks] { hooks->current()->on_reload(); };
    options.nworkers_changed = [hooks](unsigned new_value, unsigned old_value) {
        hooks->current()->nworkers_changed(new_value, old_value);
    };
    options.pre_fork = [hooks](unsigned) { hooks->current()->pre_fork(); };
    options.after_fork_in_parent = [hooks] { hooks->current()->after_fork_in_parent(); };
    options.post_fork = [hooks](const process::WorkerContext&) {
        if (!hooks->current()->post_fork()) abandon_worker(*hooks->current());
    };
    options.child_exit = [hooks](pid_t pid, int wait_status) {
        hooks->current()->child_exit(pid, wait_status);
    };
    options.on_exit = [hooks] { hooks->current()->on_exit(); };
    options.before_new_binary_fork = [hooks] { hooks->current()->before_exec_fork(); };
    options.after_new_binary_fork_in_parent = [hooks] {
        hooks->current()->after_exec_fork_in_parent();
    };
    options.pre_exec = [hooks] { return hooks->current()->pre_exec(); };
}

void install_worker_hooks(process::HttpWorkerOptions& options, python::ServerHooks& hooks) {
    options.on_fast_stop = [&hooks] { hooks.worker_int(); };
    options.on_abort = [&hooks] { hooks.worker_abort(); };
}

}  // namespace strata::cli
