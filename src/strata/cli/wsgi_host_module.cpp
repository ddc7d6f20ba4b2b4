// strata_wsgi_host: the extension module `strata wsgi` runs in (see python/host_launch.h).
// Its one function, main(args, module, executable, home), is the wsgi command — or, when
// the first argument is the front host marker, the front server of a configuration that
// mounts apps (cli/front_host.h).
#include <Python.h>

#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "strata/cli/command_line.h"
#include "strata/cli/front_host.h"
#include "strata/cli/nginx_mode.h"
#include "strata/cli/wsgi_mode.h"
#include "strata/process/process_title.h"
#include "strata/python/interpreter.h"
#include "strata/python/py_ref.h"

namespace {

using strata::python::PyRef;

// A str (or bytes) as the file-system encoding's bytes, as argv held them.
bool to_string(PyObject* value, std::string& out) {
    PyObject* converted = nullptr;
    if (PyUnicode_FSConverter(value, &converted) == 0) return false;
    PyRef bytes(converted);
    out.assign(PyBytes_AS_STRING(converted), static_cast<size_t>(PyBytes_GET_SIZE(converted)));
    return true;
}

bool to_strings(PyObject* list, std::vector<std::string>& out) {
    PyRef items(PySequence_Fast(list, "args must be a sequence"));
    if (!items) return false;
    Py_ssize_t size = PySequence_Fast_GET_SIZE(items.get());
    out.resize(static_cast<size_t>(size));
    for (Py_ssize_t i = 0; i < size; ++i) {
        if (!to_string(PySequence_Fast_GET_ITEM(items.get(), i), out[static_cast<size_t>(i)]))
            return false;
    }
    return true;
}

bool is_front_command(const std::vector<std::string>& args) {
    return !args.empty() && args.front() == strata::cli::kFrontHostMarker;
}

int run_front_command(std::vector<std::string> args) {
    args.erase(args.begin());
    auto line = strata::cli::parse_command_line(args);
    if (!line) {
        fmt::print(stderr, "strata: {}\n", line.error());
        return 1;
    }
    return strata::cli::run_nginx_mode(line.value(), args);
}

int run_command(const std::vector<std::string>& args) {
    try {
        return is_front_command(args) ? run_front_command(args) : strata::cli::run_wsgi_mode(args);
    } catch (const std::exception& e) {
        fmt::print(stderr, "strata: {}\n", e.what());
    } catch (...) {
        fmt::print(stderr, "strata: unexpected error\n");
    }
    return 1;
}

// What ps shows: the strata command as it was typed. Its first word is the strata
// executable (beside the module), as a re-exec on USR2 needs it.
std::vector<std::string> process_title(const std::string& module,
                                       const std::vector<std::string>& args) {
    std::string strata = std::filesystem::path(module).parent_path() / "strata";
    std::vector<std::string> title{strata};
    if (is_front_command(args)) {
        title.insert(title.end(), args.begin() + 1, args.end());
    } else {
        title.emplace_back("wsgi");
        title.insert(title.end(), args.begin(), args.end());
    }
    return title;
}

PyObject* host_main(PyObject*, PyObject* args) {
    PyObject* arguments = nullptr;
    PyObject* module = nullptr;
    PyObject* executable = nullptr;
    PyObject* home = nullptr;
    if (PyArg_ParseTuple(args, "OOOO:main", &arguments, &module, &executable, &home) == 0)
        return nullptr;
    std::vector<std::string> command;
    strata::python::HostInterpreter host;
    if (!to_strings(arguments, command) || !to_string(module, host.module) ||
        !to_string(executable, host.paths.executable) || !to_string(home, host.paths.home))
        return nullptr;
    // ps and pgrep see the strata command, not python3 and the bootstrap code.
    strata::process::set_process_title(process_title(host.module, command), "strata");
    strata::python::adopt_host_interpreter(std::move(host));
    int status = run_command(command);
    strata::python::return_to_host_interpreter();
    return PyLong_FromLong(status);
}

PyMethodDef host_methods[] = {
    {"main", host_main, METH_VARARGS,
     "main(args, module, executable, home) -> exit status: the `strata wsgi` command, or "
     "the front server's with the front host marker first."},
    {nullptr, nullptr, 0, nullptr},
};

PyModuleDef host_module = {
    PyModuleDef_HEAD_INIT,
    "strata_wsgi_host",
    "strata's `wsgi` command, run by python3.",
    -1,
    host_methods,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
};

}  // namespace

PyMODINIT_FUNC PyInit_strata_wsgi_host() {
    return PyModule_Create(&host_module);
}
