// PEP 3333's start_response(status, response_headers, exc_info=None) and the write(data)
// callable it returns, over a gateway::StartResponse.
#pragma once

#include <Python.h>

#include "strata/gateway/app.h"

namespace strata::python::detail {

// PyType_Ready for both types, once; false with a Python error set on failure.
bool ready_start_response_types();

// A new start_response for one request; `target` must outlive it or be detached first.
// nullptr (Python error set) on no memory.
PyObject* new_start_response(gateway::StartResponse* target);

// The request is over: start_response and its write() raise from now on.
void detach_start_response(PyObject* start_response);

}  // namespace strata::python::detail
