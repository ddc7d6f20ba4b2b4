// wsgi.input: the request body as a binary stream (PEP 3333's read, readline, readlines,
// iteration), reading a gateway::RequestBody in memory or spooled to a file.
#pragma once

#include <Python.h>

#include "strata/gateway/request.h"

namespace strata::python::detail {

// PyType_Ready for the type, once; false with a Python error set on failure.
bool ready_input_stream_type();

// A new stream over `body`, which must outlive it or be detached first. nullptr (Python
// error set) on no memory.
PyObject* new_input_stream(const gateway::RequestBody* body);

// Ends the stream's use of its body (the request is over): reads return b"" from now on,
// whoever kept the stream.
void detach_input_stream(PyObject* stream);

}  // namespace strata::python::detail
