// The sendfile path for wsgi.file_wrapper: a wrapped regular file becomes one file body
// part, from the file's position to its end, which the server sends without copying.
#pragma once

#include <Python.h>

#include <optional>

#include "strata/gateway/app.h"

namespace strata::python::detail {

// For a file_wrapper around a regular file with a working fileno(): a file part over a
// duplicate of its descriptor (the server owns that one; the app may close its own),
// from the file's current position (tell(), which counts what a buffered reader has read
// ahead; else lseek) to its end. nullopt otherwise, with no Python error left set: the
// wrapper is then iterated.
std::optional<gateway::BodyPart> sendfile_part(PyObject* wrapper);

}  // namespace strata::python::detail
