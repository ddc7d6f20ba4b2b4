#include "strata/python/detail/error_stream.h"

#include <string>
#include <string_view>

#include "strata/base/log.h"
#include "strata/python/detail/static_type.h"

namespace strata::python::detail {
namespace {

// One stream for every request and thread, so one unfinished last line. All calls hold
// the GIL, which keeps it consistent; lines from two threads may interleave, never tear.
struct ErrorStream {
    PyObject ob_base;  // PyObject_HEAD
};
std::string g_pending;

// The complete lines one write() (or writelines()) finished go out as one log record:
// one prefix, then the lines, as strata logs a traceback. A logging.StreamHandler on
// wsgi.errors (Flask's default handler) writes a whole record, traceback and all, in
// one call; prefixing each of its lines would bury the traceback in timestamps.
void emit_lines(std::string& pending, bool flush_partial) {
    size_t last_newline = pending.rfind('\n');
    if (last_newline != std::string::npos) {
        log::error("{}", std::string_view(pending).substr(0, last_newline));
        pending.erase(0, last_newline + 1);
    }
    if (flush_partial && !pending.empty()) {
        log::error("{}", pending);
        pending.clear();
    }
}

bool append(PyObject* text) {
    if (!PyUnicode_Check(text)) {
        PyErr_Format(PyExc_TypeError, "write() argument must be str, not %.200s",
                     Py_TYPE(text)->tp_name);
        return false;
    }
    Py_ssize_t size = 0;
    const char* utf8 = PyUnicode_AsUTF8AndSize(text, &size);
    if (utf8 == nullptr) return false;
    g_pending.append(utf8, static_cast<size_t>(size));
    return true;
}

PyObject* errors_write(PyObject*, PyObject* text) {
    if (!append(text)) return nullptr;
    emit_lines(g_pending, false);
    return PyLong_FromSsize_t(PyUnicode_GET_LENGTH(text));
}

PyObject* errors_writelines(PyObject*, PyObject* lines) {
    PyObject* iterator = PyObject_GetIter(lines);
    if (iterator == nullptr) return nullptr;
    bool ok = true;
    while (PyObject* line = PyIter_Next(iterator)) {
        ok = append(line);
        Py_DECREF(line);
        if (!ok) break;
    }
    Py_DECREF(iterator);
    emit_lines(g_pending, false);
    if (!ok || PyErr_Occurred()) return nullptr;
    Py_RETURN_NONE;
}

PyObject* errors_flush(PyObject*, PyObject*) {
    emit_lines(g_pending, true);
    Py_RETURN_NONE;
}

PyMethodDef kMethods[] = {
    {"write", as_method(&errors_write), METH_O, "write(str): to the error log."},
    {"writelines", as_method(&errors_writelines), METH_O,
     "writelines(iterable of str): to the error log."},
    {"flush", as_method(&errors_flush), METH_NOARGS, "flush(): logs an unfinished line."},
    {nullptr, nullptr, 0, nullptr},
};

PyTypeObject make_type() {
    PyTypeObject type = blank_static_type("strata.ErrorStream", sizeof(ErrorStream));
    type.tp_doc = "wsgi.errors: the server's error log (PEP 3333).";
    type.tp_methods = kMethods;
    return type;
}

PyTypeObject g_type = make_type();
PyObject* g_stream = nullptr;

}  // namespace

bool ready_error_stream() {
    if (g_stream != nullptr) return true;
    if (PyType_Ready(&g_type) < 0) return false;
    g_stream = reinterpret_cast<PyObject*>(PyObject_New(ErrorStream, &g_type));
    return g_stream != nullptr;
}

PyObject* error_stream() {
    return g_stream;
}

void flush_error_stream() {
    emit_lines(g_pending, true);
}

}  // namespace strata::python::detail
