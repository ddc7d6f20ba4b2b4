// The process's one CPython. Either embedded — started with PEP 587's PyConfig the way
// running `python` would start it (PYTHON* variables apply, a venv's pyvenv.cfg is
// honoured) and stopped at exit — or hosted: `strata wsgi` runs inside the python3
// executable itself (see host_launch.h), whose interpreter is already running. Either way
// gunicorn's sys.path additions are made when strata starts using it. Also what fork()
// needs while the interpreter runs (gunicorn's --preload, and always when hosted).
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "strata/base/result.h"

namespace strata::python {

struct InterpreterOptions {
    // A virtual environment (a directory with pyvenv.cfg) or a PYTHONHOME prefix. Empty:
    // $VIRTUAL_ENV when set, else the Python the bridge was built against.
    std::string python_home;
    // gunicorn's --pythonpath entries, each made absolute and put first in sys.path.
    std::vector<std::string> pythonpath;
    // sys.argv.
    std::vector<std::string> argv;
};

// Where the interpreter is told it lives, worked out before it starts.
struct InterpreterPaths {
    // sys.executable. A venv's bin/python makes Python read its pyvenv.cfg, exactly as
    // running that file would; otherwise the Python this was built against (the first
    // python3 on PATH may be another one).
    std::string executable;
    std::string home;  // PYTHONHOME; empty: derived from `executable`

    bool operator==(const InterpreterPaths&) const = default;
};
InterpreterPaths resolve_interpreter_paths(const InterpreterOptions& options,
                                           std::string_view virtual_env);

// The python3 executable this process runs in, and the module holding strata's code.
struct HostInterpreter {
    InterpreterPaths paths;
    std::string module;
};

// Called by the host module's main() on Python's main thread, holding the GIL: strata
// will use the running interpreter instead of starting one, and the GIL is let go (as
// start_interpreter() leaves it).
void adopt_host_interpreter(HostInterpreter host);
// The GIL taken back on the same thread, for returning into Python.
void return_to_host_interpreter();
// What adopt_host_interpreter() was given; null when the interpreter is embedded.
const HostInterpreter* host_interpreter();

// Starts the interpreter (hosted: takes the running one), puts the current directory (as gunicorn's
// --chdir default) and then `pythonpath` at the front of sys.path, and lets the GIL go: the calling
// thread does not hold it on return. Fails (with nothing left running) if Python cannot start.
// `options.python_home` is not looked at when hosted: the launch chose the executable.
Result<std::monostate, std::string> start_interpreter(const InterpreterOptions& options);

// Whether start_interpreter() has succeeded.
bool interpreter_running();

// Finalizes the interpreter. Call from the thread that started it, with no other thread
// inside Python; nothing when it is not running or is hosted (Python finalizes it when
// the host module's main() returns).
void stop_interpreter();

// What Python does for an app when its process exits, short of finalizing: the atexit
// functions run (logging.shutdown among them), then sys.stdout and sys.stderr are flushed
// (block-buffered when not a terminal), and so is wsgi.errors' unfinished line. gunicorn's
// workers and master leave through sys.exit(), which does this; strata's leave with
// _exit() while app threads may still exist, so this is called on the way out instead.
// Once per process; takes the GIL; nothing when the interpreter is not running.
void run_exit_functions();

// Around fork() while the interpreter runs (PyOS_BeforeFork, PyOS_AfterFork_Parent,
// PyOS_AfterFork_Child): call on the forking thread, not holding the GIL; each is a no-op
// when the interpreter is not running. After the pair, the GIL is free again on both
// sides.
void before_fork();
void after_fork_in_parent();
void after_fork_in_child();

}  // namespace strata::python
