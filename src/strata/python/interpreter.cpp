#include "strata/python/interpreter.h"

#include <Python.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>

#include <fmt/core.h>

#include "strata/base/log.h"
#include "strata/python/detail/error_stream.h"
#include "strata/python/gil.h"
#include "strata/python/py_ref.h"
#include "strata/python/python_error.h"

#ifndef STRATA_EMBEDDED_PYTHON
#error "STRATA_EMBEDDED_PYTHON (the python3 the bridge is built against) must be defined"
#endif

namespace strata::python {
namespace {

PyThreadState* g_main_thread = nullptr;               // saved while the GIL is let go
PyGILState_STATE g_fork_state = PyGILState_UNLOCKED;  // from before_fork() to after
std::optional<HostInterpreter> g_host;                // set when hosted
bool g_started = false;                               // start_interpreter() succeeded

bool is_venv(const std::string& dir) {
    std::error_code ignored;
    return std::filesystem::exists(std::filesystem::path(dir) / "pyvenv.cfg", ignored);
}

// Frees what PyConfig_Set* allocated, however start_interpreter() leaves.
struct ConfigOwner {
    PyConfig config;
    ConfigOwner() { PyConfig_InitPythonConfig(&config); }
    ~ConfigOwner() { PyConfig_Clear(&config); }
    ConfigOwner(const ConfigOwner&) = delete;
    ConfigOwner& operator=(const ConfigOwner&) = delete;
};

std::string status_text(const PyStatus& status) {
    std::string text = status.err_msg ? status.err_msg : "unknown error";
    if (status.func) text = fmt::format("{}: {}", status.func, text);
    return text;
}

PyStatus configure(PyConfig& config, const InterpreterPaths& paths,
                   const std::vector<std::string>& argv) {
    config.parse_argv = 0;               // sys.argv is the app's, not Python's options
    config.install_signal_handlers = 0;  // the master and workers own the signals
    PyStatus status =
        PyConfig_SetBytesString(&config, &config.program_name, paths.executable.c_str());
    if (PyStatus_Exception(status)) return status;
    status = PyConfig_SetBytesString(&config, &config.executable, paths.executable.c_str());
    if (PyStatus_Exception(status)) return status;
    if (!paths.home.empty()) {
        status = PyConfig_SetBytesString(&config, &config.home, paths.home.c_str());
        if (PyStatus_Exception(status)) return status;
    }
    std::vector<std::string> args = argv;
    std::vector<char*> pointers;
    for (std::string& arg : args)
        pointers.push_back(arg.data());
    return PyConfig_SetBytesArgv(&config, static_cast<Py_ssize_t>(pointers.size()),
                                 pointers.data());
}

// gunicorn's util.getcwd(): $PWD when it names the working directory (keeps symlinks).
std::string working_directory() {
    std::error_code error;
    std::string cwd = std::filesystem::current_path(error).string();
    const char* pwd = std::getenv("PWD");
    struct stat a {};
    struct stat b {};
    if (pwd != nullptr && ::stat(pwd, &a) == 0 && ::stat(cwd.c_str(), &b) == 0 &&
        a.st_ino == b.st_ino && a.st_dev == b.st_dev)
        return pwd;
    return cwd;
}

// Inserts `entry` at sys.path[0] unless it is already there somewhere; false with a
// Python error pending on failure.
bool put_first(PyObject* path, PyObject* entry) {
    int present = PySequence_Contains(path, entry);
    if (present < 0) return false;
    return present == 1 || PyList_Insert(path, 0, entry) == 0;
}

// gunicorn: chdir's directory first, then each --pythonpath entry (os.path.abspath) in
// front of it, in order.
bool extend_sys_path(const std::vector<std::string>& pythonpath) {
    PyObject* path = PySys_GetObject("path");  // borrowed
    if (path == nullptr || !PyList_Check(path)) {
        PyErr_SetString(PyExc_RuntimeError, "sys.path is not a list");
        return false;
    }
    std::string cwd = working_directory();
    PyRef cwd_entry(PyUnicode_DecodeFSDefault(cwd.c_str()));
    if (!cwd_entry || !put_first(path, cwd_entry.get())) return false;
    PyRef os_path(PyImport_ImportModule("os.path"));
    if (!os_path) return false;
    for (const std::string& entry : pythonpath) {
        PyRef raw(PyUnicode_DecodeFSDefault(entry.c_str()));
        PyRef absolute(raw ? PyObject_CallMethod(os_path.get(), "abspath", "O", raw.get())
                           : nullptr);
        if (!absolute || !put_first(path, absolute.get())) return false;
    }
    return true;
}

}  // namespace

InterpreterPaths resolve_interpreter_paths(const InterpreterOptions& options,
                                           std::string_view virtual_env) {
    InterpreterPaths paths;
    paths.executable = STRATA_EMBEDDED_PYTHON;
    if (!options.python_home.empty()) {
        if (is_venv(options.python_home))
            paths.executable = options.python_home + "/bin/python";
        else
            paths.home = options.python_home;
    } else if (!virtual_env.empty()) {
        paths.executable = std::string(virtual_env) + "/bin/python";
    }
    return paths;
}

void adopt_host_interpreter(HostInterpreter host) {
    g_host = std::move(host);
    g_main_thread = PyEval_SaveThread();
}

void return_to_host_interpreter() {
    if (g_main_thread == nullptr) return;
    PyEval_RestoreThread(g_main_thread);
    g_main_thread = nullptr;
}

const HostInterpreter* host_interpreter() {
    return g_host ? &*g_host : nullptr;
}

namespace {

// sys.argv as the embedded interpreter gets it from its config; false with a Python
// error pending on failure.
bool set_argv(const std::vector<std::string>& argv) {
    PyRef list(PyList_New(0));
    if (!list) return false;
    for (const std::string& arg : argv) {
        PyRef item(PyUnicode_DecodeFSDefault(arg.c_str()));
        if (!item || PyList_Append(list.get(), item.get()) != 0) return false;
    }
    return PySys_SetObject("argv", list.get()) == 0;
}

Result<std::monostate, std::string> start_hosted(const InterpreterOptions& options) {
    GilGuard gil;
    if (!set_argv(options.argv) || !extend_sys_path(options.pythonpath))
        return Err{fmt::format("cannot set up sys.path: {}", take_exception_text())};
    g_started = true;
    return std::monostate{};
}

}  // namespace

Result<std::monostate, std::string> start_interpreter(const InterpreterOptions& options) {
    if (g_started) return Err{std::string("the Python interpreter is already running")};
    if (g_host) return start_hosted(options);
    if (Py_IsInitialized()) return Err{std::string("the Python interpreter is already running")};
    const char* virtual_env = std::getenv("VIRTUAL_ENV");
    InterpreterPaths paths = resolve_interpreter_paths(options, virtual_env ? virtual_env : "");
    {
        ConfigOwner owner;
        PyStatus status = configure(owner.config, paths, options.argv);
        if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&owner.config);
        if (PyStatus_Exception(status))
            return Err{
                fmt::format("cannot start Python ({}): {}", paths.executable, status_text(status))};
    }
    if (!extend_sys_path(options.pythonpath)) {
        std::string why = take_exception_text();
        Py_FinalizeEx();
        return Err{fmt::format("cannot set up sys.path: {}", why)};
    }
    g_main_thread = PyEval_SaveThread();
    g_started = true;
    return std::monostate{};
}

bool interpreter_running() {
    return g_started;
}

void stop_interpreter() {
    if (g_host || !Py_IsInitialized() || g_main_thread == nullptr) return;
    PyEval_RestoreThread(g_main_thread);
    g_main_thread = nullptr;
    g_started = false;
    detail::flush_error_stream();
    if (Py_FinalizeEx() < 0) log::error("Python could not flush its buffered output at exit");
}

namespace {

// module.name(), its exception (if any) printed as Python prints one at exit.
void call_quietly(const char* module, const char* name) {
    PyRef imported(PyImport_ImportModule(module));
    PyRef result(imported ? PyObject_CallMethod(imported.get(), name, nullptr) : nullptr);
    if (!result) PyErr_WriteUnraisable(nullptr);
}

void flush_stream(const char* name) {
    PyObject* stream = PySys_GetObject(name);  // borrowed
    if (stream == nullptr || stream == Py_None) return;
    PyRef result(PyObject_CallMethod(stream, "flush", nullptr));
    if (!result) PyErr_Clear();  // nowhere left to report a failed flush of stderr
}

}  // namespace

void run_exit_functions() {
    static bool done = false;
    if (done || !Py_IsInitialized()) return;
    done = true;
    GilGuard gil;
    call_quietly("atexit", "_run_exitfuncs");
    flush_stream("stdout");
    flush_stream("stderr");
    detail::flush_error_stream();
}

void before_fork() {
    if (!Py_IsInitialized()) return;
    g_fork_state = PyGILState_Ensure();
    PyOS_BeforeFork();
}

void after_fork_in_parent() {
    if (!Py_IsInitialized()) return;
    PyOS_AfterFork_Parent();
    PyGILState_Release(g_fork_state);
}

void after_fork_in_child() {
    if (!Py_IsInitialized()) return;
    PyOS_AfterFork_Child();
    PyGILState_Release(g_fork_state);
}

}  // namespace strata::python
