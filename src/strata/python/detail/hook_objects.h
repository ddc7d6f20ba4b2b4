// The objects gunicorn's server hooks are called with, as a small Python module made once
// per interpreter: Config (server.cfg: each setting an attribute), Log (server.log: into
// strata's error log), Server (the arbiter), Worker, and request_adapters(), which turns
// gunicorn's pre_request(worker, req) and post_request(worker, req, environ, resp) into
// the callables of one argument, the environ, that the WSGI bridge calls.
#pragma once

#include <Python.h>

#include <string>

namespace strata::python::detail {

// The module (borrowed; it lives as long as the interpreter); nullptr with a Python error
// set when it cannot be made. With the GIL.
PyObject* hook_objects();

// hook_objects().<name>(*args): a new reference, or nullptr with the Python error set.
PyObject* call_hook_objects(const char* name, PyObject* args);

// str() of the pending exception ("No module named 'x'"), as gunicorn prints a
// configuration error; clears it. With the GIL.
std::string take_exception_message();

}  // namespace strata::python::detail
