#include "strata/python/hooks.h"

#include <Python.h>
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <initializer_list>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "strata/base/log.h"
#include "strata/python/detail/hook_config.h"
#include "strata/python/detail/hook_exchange.h"
#include "strata/python/detail/hook_objects.h"
#include "strata/python/gil.h"
#include "strata/python/interpreter.h"
#include "strata/python/py_ref.h"
#include "strata/python/python_error.h"

namespace strata::python {
namespace {

struct HookInfo {
    std::string_view name;
    int arity;
};

constexpr std::array<HookInfo, kHookCount> kHooks{{
    {"on_starting", 1},
    {"on_reload", 1},
    {"when_ready", 1},
    {"pre_fork", 2},
    {"post_fork", 2},
    {"post_worker_init", 1},
    {"worker_int", 1},
    {"worker_abort", 1},
    {"pre_exec", 1},
    {"pre_request", 2},
    {"post_request", 4},
    {"child_exit", 2},
    {"worker_exit", 2},
    {"nworkers_changed", 3},
    {"on_exit", 1},
}};

size_t index_of(HookKind kind) {
    return static_cast<size_t>(kind);
}

// "module.object" imported as gunicorn does: __import__(module, fromlist=[object]).object.
Result<PyRef, std::string> import_hook(const std::string& path) {
    size_t dot = path.rfind('.');
    if (dot == std::string::npos)
        return Err{fmt::format(
            "Value '{}' is not import string. Format: module[.submodules...].object", path)};
    std::string module_name = path.substr(0, dot);
    std::string object_name = path.substr(dot + 1);
    PyRef name(PyUnicode_FromString(module_name.c_str()));
    PyRef fromlist(name ? Py_BuildValue("[s]", object_name.c_str()) : nullptr);
    PyRef module(
        fromlist ? PyImport_ImportModuleLevelObject(name.get(), nullptr, nullptr, fromlist.get(), 0)
                 : nullptr);
    if (!module) return Err{detail::take_exception_message()};
    PyRef object(PyObject_GetAttrString(module.get(), object_name.c_str()));
    if (object) return object;
    if (!PyErr_ExceptionMatches(PyExc_AttributeError)) return Err{detail::take_exception_message()};
    PyErr_Clear();
    return Err{fmt::format("Can not load '{}' from '{}'", object_name, module_name)};
}

// How many positional parameters inspect.signature() finds (gunicorn's util.get_arity).
Result<int, std::string> positional_parameters(PyObject* callable) {
    PyRef inspect(PyImport_ImportModule("inspect"));
    PyRef signature(inspect ? PyObject_CallMethod(inspect.get(), "signature", "O", callable)
                            : nullptr);
    PyRef parameters(signature ? PyObject_GetAttrString(signature.get(), "parameters") : nullptr);
    PyRef values(parameters ? PyObject_CallMethod(parameters.get(), "values", nullptr) : nullptr);
    PyRef kinds(inspect ? PyObject_GetAttrString(inspect.get(), "Parameter") : nullptr);
    PyRef only(kinds ? PyObject_GetAttrString(kinds.get(), "POSITIONAL_ONLY") : nullptr);
    PyRef either(kinds ? PyObject_GetAttrString(kinds.get(), "POSITIONAL_OR_KEYWORD") : nullptr);
    PyRef iterator(values && only && either ? PyObject_GetIter(values.get()) : nullptr);
    if (!iterator) return Err{detail::take_exception_message()};
    int count = 0;
    while (PyRef parameter{PyIter_Next(iterator.get())}) {
        PyRef kind(PyObject_GetAttrString(parameter.get(), "kind"));
        if (!kind) break;
        if (kind.get() == only.get() || kind.get() == either.get()) ++count;
    }
    if (PyErr_Occurred()) return Err{detail::take_exception_message()};
    return count;
}

// sys.stdout and sys.stderr flushed, so what a hook printed is out even if the process
// leaves with _exit() (workers do).
void flush_stdio() {
    for (const char* name : {"stdout", "stderr"}) {
        PyObject* stream = PySys_GetObject(name);  // borrowed
        if (stream == nullptr || stream == Py_None) continue;
        PyRef flushed(PyObject_CallMethod(stream, "flush", nullptr));
        if (!flushed) PyErr_Clear();
    }
}

PyRef number(long long value) {
    return PyRef(PyLong_FromLongLong(value));
}

// Sets `object.name = value`; a failure is logged (it would only come from a hook
// replacing the objects with odd ones).
void set_attribute(PyObject* object, const char* name, PyObject* value) {
    if (object == nullptr || value == nullptr) return;
    if (PyObject_SetAttrString(object, name, value) != 0)
        log::error("cannot set {} on a server hook object\n{}", name, take_exception_text());
}

}  // namespace

std::optional<HookKind> find_hook(std::string_view name) {
    for (size_t i = 0; i < kHooks.size(); ++i)
        if (kHooks[i].name == name) return static_cast<HookKind>(i);
    return std::nullopt;
}

std::string_view hook_name(HookKind kind) {
    return kHooks[index_of(kind)].name;
}

int hook_arity(HookKind kind) {
    return kHooks[index_of(kind)].arity;
}

// Everything the hooks hold. The PyRefs are released with the GIL (see ~ServerHooks).
struct ServerHooks::State {
    std::array<PyRef, kHookCount> hooks;
    int post_request_arity = 4;
    std::vector<std::pair<std::string, PyRef>> kept;  // config-file values cfg shows as given

    bool prepared = false;
    unsigned configured_workers = 1;
    double worker_timeout = 15.0;  // gunicorn's worker.timeout: half of --timeout
    PyRef server;
    PyRef request_state;   // .worker: this process's worker, for the request adapters
    PyRef pending_worker;  // made by pre_fork(); the forked worker's own in the child
    PyRef worker;          // in a worker process: this worker
    PyRef pre_adapter;
    PyRef post_adapter;
    bool count_reported = false;          // on_starting() reported the count of workers at start
    bool count_seen = false;              // the master's own first report came
    std::array<int, 2> pid_pipe{-1, -1};  // the forked worker tells the master its pid

    bool any_set() const {
        for (const PyRef& hook : hooks)
            if (hook) return true;
        return false;
    }

    // Calls hook `kind` with `args` (the GIL held); false, the traceback logged, if it raised.
    bool call(HookKind kind, std::initializer_list<PyObject*> args) {
        PyObject* hook = hooks[index_of(kind)].get();
        if (hook == nullptr) return true;
        for (PyObject* arg : args)
            if (arg == nullptr) return false;  // its object could not be made (logged)
        PyRef result(PyObject_Vectorcall(hook, args.begin(), args.size(), nullptr));
        if (!result) {
            log::error("Exception in {} hook\n{}", hook_name(kind), take_exception_text());
            flush_stdio();
            return false;
        }
        flush_stdio();
        return true;
    }

    bool report_count(unsigned new_value, std::optional<unsigned> old_value) {
        PyRef count = number(new_value);
        set_attribute(server.get(), "num_workers", count.get());
        PyRef old = old_value ? number(*old_value) : PyRef::borrow(Py_None);
        return call(HookKind::nworkers_changed, {server.get(), count.get(), old.get()});
    }

    // The next worker: gunicorn's Worker(age, ppid, …), age counting every worker made.
    void make_worker() {
        PyRef age(PyObject_GetAttrString(server.get(), "worker_age"));
        long long next = age ? PyLong_AsLongLong(age.get()) + 1 : 1;
        PyErr_Clear();
        PyRef next_age = number(next);
        set_attribute(server.get(), "worker_age", next_age.get());
        PyRef cfg(PyObject_GetAttrString(server.get(), "cfg"));
        PyRef logger(PyObject_GetAttrString(server.get(), "log"));
        PyRef args(cfg && logger ? Py_BuildValue("(NiOOd)", next_age.release(), ::getpid(),
                                                 cfg.get(), logger.get(), worker_timeout)
                                 : nullptr);
        pending_worker.reset(args ? detail::call_hook_objects("Worker", args.get()) : nullptr);
        if (!pending_worker)
            log::error("cannot make the worker object for the server hooks\n{}",
                       take_exception_text());
    }

    void open_pid_pipe() {
        if (::pipe2(pid_pipe.data(), O_CLOEXEC) != 0) {
            log::error("pipe() for the server hooks failed: {}", strerrordesc_np(errno));
            pid_pipe = {-1, -1};
        }
    }

    // In the master: the pid the forked worker wrote, or -1 (fork failed: end of file).
    pid_t read_child_pid() {
        if (pid_pipe[0] < 0) return -1;
        ::close(pid_pipe[1]);
        pid_t pid = -1;
        auto* bytes = reinterpret_cast<char*>(&pid);
        size_t got = 0;
        while (got < sizeof pid) {
            ssize_t n = ::read(pid_pipe[0], bytes + got, sizeof pid - got);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            got += static_cast<size_t>(n);
        }
        ::close(pid_pipe[0]);
        pid_pipe = {-1, -1};
        return got == sizeof pid ? pid : -1;
    }

    // In the worker: tells the master who it is.
    void write_own_pid() {
        if (pid_pipe[1] < 0) return;
        ::close(pid_pipe[0]);
        pid_t pid = ::getpid();
        ssize_t n;
        do {
            n = ::write(pid_pipe[1], &pid, sizeof pid);
        } while (n < 0 && errno == EINTR);
        ::close(pid_pipe[1]);
        pid_pipe = {-1, -1};
    }

    // server.WORKERS.pop(pid, None), as a new reference (nullptr when not there).
    PyRef take_worker(pid_t pid) {
        PyRef workers(PyObject_GetAttrString(server.get(), "WORKERS"));
        PyRef key = number(pid);
        if (!workers || !key || !PyDict_Check(workers.get())) {
            PyErr_Clear();
            return PyRef();
        }
        PyRef found = PyRef::borrow(PyDict_GetItemWithError(workers.get(), key.get()));
        if (found && PyDict_DelItem(workers.get(), key.get()) != 0) PyErr_Clear();
        PyErr_Clear();
        return found;
    }

    void add_worker(pid_t pid) {
        PyRef workers(PyObject_GetAttrString(server.get(), "WORKERS"));
        PyRef key = number(pid);
        set_attribute(pending_worker.get(), "pid", key.get());
        if (!workers || !key || PyObject_SetItem(workers.get(), key.get(), pending_worker.get()))
            log::error("cannot record worker {} for the server hooks\n{}", pid,
                       take_exception_text());
    }

    Result<std::monostate, std::string> make_objects(const WsgiSettings& settings,
                                                     std::string_view app_uri);
    PyObject* value_for_cfg(std::string_view name) const;
};

PyObject* ServerHooks::State::value_for_cfg(std::string_view name) const {
    if (auto kind = find_hook(name)) {
        if (const PyRef& hook = hooks[index_of(*kind)]) return hook.get();
        PyObject* module = detail::hook_objects();
        return module ? PyDict_GetItemString(PyModule_GetDict(module), "no_hook") : nullptr;
    }
    for (const auto& [kept_name, value] : kept)
        if (kept_name == name) return value.get();
    return nullptr;
}

Result<std::monostate, std::string> ServerHooks::State::make_objects(const WsgiSettings& settings,
                                                                     std::string_view app_uri) {
    PyRef values = detail::config_values(
        settings, [this](std::string_view name) { return value_for_cfg(name); });
    PyRef properties = values ? detail::config_properties(settings) : PyRef();
    PyRef cfg_args(properties ? Py_BuildValue("(OO)", values.get(), properties.get()) : nullptr);
    PyRef cfg(cfg_args ? detail::call_hook_objects("Config", cfg_args.get()) : nullptr);
    PyRef no_args(cfg ? PyTuple_New(0) : nullptr);
    PyRef logger(no_args ? detail::call_hook_objects("Log", no_args.get()) : nullptr);
    PyRef uri(logger ? PyUnicode_FromStringAndSize(app_uri.data(),
                                                   static_cast<Py_ssize_t>(app_uri.size()))
                     : nullptr);
    PyRef server_args(uri ? Py_BuildValue("(iOOO)", ::getpid(), cfg.get(), logger.get(), uri.get())
                          : nullptr);
    server.reset(server_args ? detail::call_hook_objects("Server", server_args.get()) : nullptr);
    PyRef types(server ? PyImport_ImportModule("types") : nullptr);
    request_state.reset(types ? PyObject_CallMethod(types.get(), "SimpleNamespace", nullptr)
                              : nullptr);
    if (!request_state || PyObject_SetAttrString(request_state.get(), "worker", Py_None) != 0)
        return Err{"cannot make the server hooks' objects: " + take_exception_text()};
    const PyRef& pre = hooks[index_of(HookKind::pre_request)];
    const PyRef& post = hooks[index_of(HookKind::post_request)];
    if (!pre && !post) return std::monostate{};
    PyRef adapter_args(Py_BuildValue("(OOOi)", request_state.get(), pre ? pre.get() : Py_None,
                                     post ? post.get() : Py_None, post_request_arity));
    PyRef adapters(adapter_args ? detail::call_hook_objects("request_adapters", adapter_args.get())
                                : nullptr);
    if (!adapters || !PyTuple_Check(adapters.get()) || PyTuple_GET_SIZE(adapters.get()) != 2)
        return Err{"cannot make the request hooks' adapters: " + take_exception_text()};
    pre_adapter = PyRef::borrow(PyTuple_GET_ITEM(adapters.get(), 0));
    PyObject* post_item = PyTuple_GET_ITEM(adapters.get(), 1);
    if (post_item != Py_None) post_adapter = PyRef::borrow(post_item);
    return std::monostate{};
}

ServerHooks::ServerHooks() : state_(std::make_unique<State>()) {}

ServerHooks::~ServerHooks() {
    if (!Py_IsInitialized()) {
        (void)state_.release();  // no interpreter to give the references back to
        return;
    }
    GilGuard gil;
    state_.reset();
}

SetResult ServerHooks::set(HookKind kind, _object* value) {
    PyRef callable = PyRef::borrow(value);
    if (PyUnicode_Check(value)) {
        auto imported = import_hook(str_of(value));
        if (!imported) return Err{imported.error()};
        callable = std::move(imported).value();
    }
    if (!PyCallable_Check(callable.get()))
        return Err{"Value is not callable: " + str_of(callable.get())};
    auto arity = positional_parameters(callable.get());
    if (!arity) return Err{arity.error()};
    int wanted = hook_arity(kind);
    bool accepted =
        kind == HookKind::post_request ? (*arity >= 2 && *arity <= 4) : *arity == wanted;
    if (!accepted) return Err{fmt::format("Value must have an arity of: {}", wanted)};
    if (kind == HookKind::post_request) state_->post_request_arity = *arity;
    state_->hooks[index_of(kind)] = std::move(callable);
    return std::monostate{};
}

bool ServerHooks::is_set(HookKind kind) const {
    return static_cast<bool>(state_->hooks[index_of(kind)]);
}

void ServerHooks::keep_value(std::string_view name, _object* value) {
    for (auto& [kept_name, kept_value] : state_->kept) {
        if (kept_name == name) {
            kept_value = PyRef::borrow(value);
            return;
        }
    }
    state_->kept.emplace_back(std::string(name), PyRef::borrow(value));
}

Result<std::monostate, std::string> ServerHooks::prepare(const WsgiSettings& settings,
                                                         std::string_view app_uri) {
    State& s = *state_;
    s.configured_workers = static_cast<unsigned>(settings.workers);
    s.worker_timeout = static_cast<double>(settings.timeout) / 2.0;
    if (!s.any_set()) return std::monostate{};
    GilGuard gil;
    auto made = s.make_objects(settings, app_uri);
    if (!made) return made;
    s.prepared = true;
    return std::monostate{};
}

_object* ServerHooks::pre_request_adapter() const {
    return state_->pre_adapter.get();
}

_object* ServerHooks::post_request_adapter() const {
    return state_->post_adapter.get();
}

std::shared_ptr<gateway::App> ServerHooks::observe(std::shared_ptr<gateway::App> app) const {
    if (!state_->pre_adapter && !state_->post_adapter) return app;
    return detail::observe_exchanges(std::move(app));
}

void ServerHooks::adopt_workers(ServerHooks& previous) {
    State& s = *state_;
    const State& p = *previous.state_;
    s.count_seen = true;
    s.count_reported = true;
    if (!s.prepared || !p.prepared) return;
    GilGuard gil;
    for (const char* name : {"WORKERS", "worker_age", "pid", "num_workers"}) {
        PyRef value(PyObject_GetAttrString(p.server.get(), name));
        if (value)
            set_attribute(s.server.get(), name, value.get());
        else
            PyErr_Clear();  // not made yet (no worker forked): the new one's default stays
    }
}

bool ServerHooks::on_starting() {
    State& s = *state_;
    if (!s.prepared) return true;
    GilGuard gil;
    s.count_reported = true;
    if (!s.report_count(s.configured_workers, std::nullopt)) return false;
    return s.call(HookKind::on_starting, {s.server.get()});
}

bool ServerHooks::when_ready() {
    State& s = *state_;
    if (!s.prepared) return true;
    GilGuard gil;
    PyRef pid = number(::getpid());  // the master's, also after --daemon forked it away
    set_attribute(s.server.get(), "pid", pid.get());
    return s.call(HookKind::when_ready, {s.server.get()});
}

void ServerHooks::on_reload() {
    State& s = *state_;
    if (!s.prepared) return;
    GilGuard gil;
    s.call(HookKind::on_reload, {s.server.get()});
}

void ServerHooks::nworkers_changed(unsigned new_value, unsigned old_value) {
    State& s = *state_;
    if (!s.prepared) return;
    GilGuard gil;
    if (!s.count_seen) {
        s.count_seen = true;
        if (s.count_reported) {
            PyRef count = number(new_value);
            set_attribute(s.server.get(), "num_workers", count.get());
            return;
        }
        s.report_count(new_value, std::nullopt);
        return;
    }
    s.report_count(new_value, old_value);
}

void ServerHooks::pre_fork() {
    State& s = *state_;
    if (s.prepared) {
        GilGuard gil;
        s.make_worker();
        s.call(HookKind::pre_fork, {s.server.get(), s.pending_worker.get()});
        s.open_pid_pipe();
    }
    before_fork();
}

void ServerHooks::after_fork_in_parent() {
    State& s = *state_;
    python::after_fork_in_parent();
    if (!s.prepared) return;
    pid_t pid = s.read_child_pid();
    GilGuard gil;
    if (pid > 0 && s.pending_worker) s.add_worker(pid);
    s.pending_worker.reset();
}

void ServerHooks::child_exit(pid_t pid, int /*wait_status*/) {
    State& s = *state_;
    if (!s.prepared) return;
    GilGuard gil;
    PyRef worker = s.take_worker(pid);
    if (worker) s.call(HookKind::child_exit, {s.server.get(), worker.get()});
}

void ServerHooks::on_exit() {
    State& s = *state_;
    if (!s.prepared) return;
    GilGuard gil;
    s.call(HookKind::on_exit, {s.server.get()});
}

void ServerHooks::before_exec_fork() {
    before_fork();
}

void ServerHooks::after_exec_fork_in_parent() {
    python::after_fork_in_parent();
}

bool ServerHooks::pre_exec() {
    after_fork_in_child();
    State& s = *state_;
    if (!s.prepared) return true;
    GilGuard gil;
    return s.call(HookKind::pre_exec, {s.server.get()});
}

bool ServerHooks::post_fork() {
    State& s = *state_;
    s.write_own_pid();
    after_fork_in_child();
    if (!s.prepared) return true;
    GilGuard gil;
    s.worker = std::move(s.pending_worker);
    if (!s.worker) return true;
    PyRef pid = number(::getpid());
    set_attribute(s.worker.get(), "pid", pid.get());
    set_attribute(s.request_state.get(), "worker", s.worker.get());
    return s.call(HookKind::post_fork, {s.server.get(), s.worker.get()});
}

bool ServerHooks::post_worker_init() {
    State& s = *state_;
    if (!s.prepared || !s.worker) return true;
    GilGuard gil;
    if (!s.call(HookKind::post_worker_init, {s.worker.get()})) return false;
    set_attribute(s.worker.get(), "booted", Py_True);
    return true;
}

void ServerHooks::worker_int() {
    State& s = *state_;
    if (!s.prepared || !s.worker) return;
    GilGuard gil;
    set_attribute(s.worker.get(), "alive", Py_False);
    s.call(HookKind::worker_int, {s.worker.get()});
}

void ServerHooks::worker_abort() {
    State& s = *state_;
    if (!s.prepared || !s.worker) return;
    GilGuard gil;
    set_attribute(s.worker.get(), "alive", Py_False);
    s.call(HookKind::worker_abort, {s.worker.get()});
}

void ServerHooks::worker_exit() {
    State& s = *state_;
    if (!s.prepared || !s.worker) return;
    GilGuard gil;
    set_attribute(s.worker.get(), "alive", Py_False);
    PyObject* hook = s.hooks[index_of(HookKind::worker_exit)].get();
    if (hook != nullptr) {
        PyObject* args[] = {s.server.get(), s.worker.get()};
        PyRef result(PyObject_Vectorcall(hook, args, 2, nullptr));
        if (!result) log::warn("Exception during worker exit:\n{}", take_exception_text());
    }
    flush_stdio();
}

}  // namespace strata::python
