// wsgi.errors: a text stream (write, writelines, flush) into the server's error log,
// one log record (one prefix) for the complete lines of each write() call; an unfinished
// last line waits for the next write or flush().
#pragma once

#include <Python.h>

namespace strata::python::detail {

// PyType_Ready for the type and the process's one stream, once; false with a Python
// error set on failure.
bool ready_error_stream();

// The stream (borrowed; lives as long as the interpreter). ready_error_stream() first.
PyObject* error_stream();

// Logs an unfinished last line, if any (at interpreter stop). With the GIL.
void flush_error_stream();

}  // namespace strata::python::detail
