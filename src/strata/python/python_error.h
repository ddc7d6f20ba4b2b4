// The pending Python exception as text, for the error log and for error values.
#pragma once

#include <Python.h>

#include <string>
#include <string_view>

namespace strata::python {

// Formats the pending exception with its traceback as Python prints it ("Traceback (most
// recent call last): ... ValueError: bad"), without the final newline, and clears it.
// Empty when no exception is pending. Needs the GIL.
std::string take_exception_text();

// The last line of such a text: "ValueError: bad".
std::string_view exception_summary(std::string_view text);

// A Python object's str() as UTF-8, for messages; `fallback` when that fails (the
// failure is cleared). Needs the GIL.
std::string str_of(PyObject* object, std::string_view fallback = "?");

}  // namespace strata::python
