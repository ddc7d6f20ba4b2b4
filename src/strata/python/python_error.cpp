#include "strata/python/python_error.h"

#include "strata/python/py_ref.h"

namespace strata::python {
namespace {

// traceback.format_exception(type, value, tb), joined.
std::string formatted(PyObject* type, PyObject* value, PyObject* traceback) {
    PyRef module(PyImport_ImportModule("traceback"));
    PyRef lines(module
                    ? PyObject_CallMethod(module.get(), "format_exception", "OOO", type,
                                          value ? value : Py_None, traceback ? traceback : Py_None)
                    : nullptr);
    PyRef empty(lines ? PyUnicode_FromString("") : nullptr);
    PyRef joined(empty ? PyUnicode_Join(empty.get(), lines.get()) : nullptr);
    const char* utf8 = joined ? PyUnicode_AsUTF8(joined.get()) : nullptr;
    if (utf8 != nullptr) return utf8;
    // The formatter itself failed (no memory, a broken __str__): say what we can.
    PyErr_Clear();
    std::string text = str_of(type, "exception");
    if (value != nullptr) text += ": " + str_of(value);
    return text;
}

}  // namespace

std::string take_exception_text() {
    PyObject* type = nullptr;
    PyObject* value = nullptr;
    PyObject* traceback = nullptr;
    PyErr_Fetch(&type, &value, &traceback);
    if (type == nullptr) return {};
    PyErr_NormalizeException(&type, &value, &traceback);
    PyRef owned_type(type);
    PyRef owned_value(value);
    PyRef owned_traceback(traceback);
    std::string text = formatted(type, value, traceback);
    while (!text.empty() && text.back() == '\n')
        text.pop_back();
    return text;
}

std::string_view exception_summary(std::string_view text) {
    size_t newline = text.rfind('\n');
    return newline == std::string_view::npos ? text : text.substr(newline + 1);
}

std::string str_of(PyObject* object, std::string_view fallback) {
    PyRef text(object ? PyObject_Str(object) : nullptr);
    const char* utf8 = text ? PyUnicode_AsUTF8(text.get()) : nullptr;
    if (utf8 == nullptr) {
        PyErr_Clear();
        return std::string(fallback);
    }
    return utf8;
}

}  // namespace strata::python
