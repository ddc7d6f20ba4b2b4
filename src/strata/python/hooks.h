// gunicorn's server hooks: the callables a config file sets (on_starting, pre_fork, …),
// validated as gunicorn validates them, called at gunicorn's moments with gunicorn's
// arguments — stand-ins for its arbiter (`server`: pid, cfg, log, num_workers, WORKERS),
// its workers (`worker`: age, pid, ppid, cfg, log, alive, booted, nr), and a request's
// `req` and `resp`.
//
// ServerHooks also carries the embedded interpreter through the master's forks when
// Python runs in the master (a config file, --preload): pre_fork() ends with
// python::before_fork(), after_fork_in_parent() and post_fork() begin with the other
// halves.
//
// Every call takes the GIL. A hook that raises is logged with its traceback at error level
// ("Exception in pre_fork hook"); the call then returns false and the caller decides
// whether that stops anything (gunicorn stops at start-up for on_starting and when_ready,
// and a worker whose post_fork or post_worker_init raised does not boot).
//
// No Python.h here: the command line wires these into the app server.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "strata/base/result.h"
#include "strata/gateway/app.h"
#include "strata/python/settings.h"

struct _object;  // CPython's PyObject

namespace strata::python {

// The hooks, in gunicorn's order of its "Server Hooks" settings.
enum class HookKind : unsigned {
    on_starting,
    on_reload,
    when_ready,
    pre_fork,
    post_fork,
    post_worker_init,
    worker_int,
    worker_abort,
    pre_exec,
    pre_request,
    post_request,
    child_exit,
    worker_exit,
    nworkers_changed,
    on_exit,
};
inline constexpr size_t kHookCount = 15;

std::optional<HookKind> find_hook(std::string_view name);
std::string_view hook_name(HookKind kind);
// The positional parameters gunicorn requires (pre_fork 2, nworkers_changed 3, …);
// post_request takes 2, 3 or 4 and says 4.
int hook_arity(HookKind kind);

class ServerHooks {
  public:
    ServerHooks();
    ~ServerHooks();  // takes the GIL to let its objects go (when Python still runs)
    ServerHooks(const ServerHooks&) = delete;
    ServerHooks& operator=(const ServerHooks&) = delete;

    // A config file's value for a hook, checked as gunicorn's validate_callable checks it:
    // a str is an import string ("pkg.module.function", imported now), the value must be
    // callable and take the hook's number of positional parameters. The error is gunicorn's
    // message ("Value must have an arity of: 1", "No module named 'x'"). With the GIL.
    SetResult set(HookKind kind, _object* value);
    bool is_set(HookKind kind) const;
    // A config file's value that settings only describe (logconfig_dict), kept for cfg.
    void keep_value(std::string_view name, _object* value);

    // Makes the hooks' objects from the final settings: server.cfg shows them. `app_uri`
    // is the application being served. Before any hook is called; takes the GIL. Without
    // any hook set, nothing is made and the hooks below only do the fork protocol.
    Result<std::monostate, std::string> prepare(const WsgiSettings& settings,
                                                std::string_view app_uri);

    // pre_request / post_request as WsgiOptions takes them (callables of the environ);
    // nullptr unless the config file set either. Borrowed: they live as long as this.
    _object* pre_request_adapter() const;
    _object* post_request_adapter() const;
    // `app`, made to show those adapters the request and response (unchanged when unset).
    std::shared_ptr<gateway::App> observe(std::shared_ptr<gateway::App> app) const;

    // A reload's hooks taking over from `previous` in the master: the record of the
    // workers (server.WORKERS, the age count, pid, num_workers) carries over, as gunicorn's
    // arbiter keeps it across a reload while its cfg changes; the start's report of the
    // worker count is not made again. Takes the GIL.
    void adopt_workers(ServerHooks& previous);

    // In the master, at gunicorn's moments. on_starting() first reports the worker count as
    // gunicorn's arbiter does when it is made: nworkers_changed(server, workers, None).
    bool on_starting();
    bool when_ready();
    void on_reload();
    // The master's count changed (TTIN, TTOU, a reload). The master's first report, at
    // start, was already made by on_starting() and is not repeated.
    void nworkers_changed(unsigned new_value, unsigned old_value);
    void pre_fork();              // pre_fork(server, worker) for the next worker, then fork
    void after_fork_in_parent();  // the worker joins server.WORKERS under its pid
    void child_exit(pid_t pid, int wait_status);
    void on_exit();
    // USR2: the fork protocol around the fork of the new master, and in that child,
    // after the child's half of it, pre_exec(server) just before the exec. False when
    // the hook raised: gunicorn's child dies of it and never execs.
    void before_exec_fork();
    void after_exec_fork_in_parent();
    bool pre_exec();

    // In a worker process.
    bool post_fork();  // right after fork, before anything else
    bool post_worker_init();
    void worker_int();
    void worker_abort();
    void worker_exit();  // an exception is a warning, as gunicorn's "Exception during worker exit"

  private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace strata::python
