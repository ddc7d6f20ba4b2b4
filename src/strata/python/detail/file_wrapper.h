// wsgi.file_wrapper(filelike, blksize=8192): what an app returns to send a file. The
// server sends a regular file with sendfile (see sendfile_part.h); anything else is
// iterated, blksize bytes at a time.
#pragma once

#include <Python.h>

namespace strata::python::detail {

// PyType_Ready for the type, once; false with a Python error set on failure.
bool ready_file_wrapper_type();

// The type itself, which is what environ["wsgi.file_wrapper"] holds (borrowed).
PyObject* file_wrapper_type();

// Whether `object` is one of our wrappers, and what it wraps (borrowed).
bool is_file_wrapper(PyObject* object);
PyObject* wrapped_file(PyObject* wrapper);

}  // namespace strata::python::detail
