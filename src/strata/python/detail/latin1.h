// WSGI's "native strings": every byte is one code point (ISO-8859-1), both ways.
#pragma once

#include <Python.h>

#include <optional>
#include <string_view>

namespace strata::python::detail {

// A new str with one code point per byte; nullptr (Python error set) on no memory.
inline PyObject* latin1_str(std::string_view bytes) {
    return PyUnicode_DecodeLatin1(bytes.data(), static_cast<Py_ssize_t>(bytes.size()), nullptr);
}

// The bytes of a str whose code points are all below U+0100, without copying (a compact
// str of that kind stores exactly them); nullopt when one is above. `text` must be a str.
std::optional<std::string_view> latin1_view(PyObject* text);

}  // namespace strata::python::detail
