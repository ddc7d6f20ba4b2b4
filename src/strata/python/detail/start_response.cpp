#include "strata/python/detail/start_response.h"

#include <string>

#include "strata/gateway/response_start.h"
#include "strata/python/detail/latin1.h"
#include "strata/python/detail/static_type.h"
#include "strata/python/py_ref.h"

namespace strata::python::detail {
namespace {

struct StartResponseObject {
    PyObject ob_base;  // PyObject_HEAD
    vectorcallfunc vectorcall;
    gateway::StartResponse* target;  // nullptr once the request is over
    bool started;                    // start() accepted a status and headers
};

struct WriteObject {
    PyObject ob_base;  // PyObject_HEAD
    vectorcallfunc vectorcall;
    PyObject* start_response;  // owned: whose target and state to use
};

PyObject* request_over() {
    PyErr_SetString(PyExc_RuntimeError, "the request this start_response belongs to is over");
    return nullptr;
}

// A str argument's latin-1 bytes; TypeError / ValueError otherwise (PEP 3333: native
// strings only).
bool latin1_argument(PyObject* value, const char* what, std::string_view& out) {
    if (!PyUnicode_Check(value)) {
        PyErr_Format(PyExc_TypeError, "%s must be str, not %.200s", what, Py_TYPE(value)->tp_name);
        return false;
    }
    std::optional<std::string_view> bytes = latin1_view(value);
    if (!bytes) {
        PyErr_Format(PyExc_ValueError, "%s %R has characters that latin-1 cannot encode", what,
                     value);
        return false;
    }
    out = *bytes;
    return true;
}

bool header_pair(PyObject* item, gateway::ResponseHeaders& headers) {
    if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 2) {
        PyErr_Format(PyExc_TypeError,
                     "each response header must be a (name, value) tuple of 2 str, not %R", item);
        return false;
    }
    std::string_view name;
    std::string_view value;
    if (!latin1_argument(PyTuple_GET_ITEM(item, 0), "header name", name) ||
        !latin1_argument(PyTuple_GET_ITEM(item, 1), "header value", value))
        return false;
    headers.push_back({std::string(name), std::string(value)});
    return true;
}

bool header_list(PyObject* list, gateway::ResponseHeaders& headers) {
    if (!PyList_Check(list) && !PyTuple_Check(list)) {
        PyErr_Format(PyExc_TypeError, "response_headers must be a list, not %.200s",
                     Py_TYPE(list)->tp_name);
        return false;
    }
    Py_ssize_t count = PySequence_Fast_GET_SIZE(list);
    headers.reserve(static_cast<size_t>(count));
    for (Py_ssize_t i = 0; i < count; ++i)
        if (!header_pair(PySequence_Fast_GET_ITEM(list, i), headers)) return false;
    return true;
}

// PEP 3333: with exc_info after the headers went out, raise exc_info[1] with its traceback.
PyObject* reraise(PyObject* exc_info) {
    if (!PyTuple_Check(exc_info) || PyTuple_GET_SIZE(exc_info) != 3) {
        PyErr_SetString(PyExc_TypeError, "exc_info must be a (type, value, traceback) tuple");
        return nullptr;
    }
    PyObject* type = PyTuple_GET_ITEM(exc_info, 0);
    PyObject* value = PyTuple_GET_ITEM(exc_info, 1);
    PyObject* traceback = PyTuple_GET_ITEM(exc_info, 2);
    PyErr_Restore(Py_NewRef(type), Py_NewRef(value),
                  traceback == Py_None ? nullptr : Py_NewRef(traceback));
    return nullptr;
}

PyObject* new_write(PyObject* start_response);

// Matches (status, response_headers, exc_info=None) by position or keyword.
bool bind_arguments(PyObject* const* args, size_t nargsf, PyObject* names, PyObject* bound[3]) {
    static const char* const kNames[3] = {"status", "response_headers", "exc_info"};
    Py_ssize_t positional = PyVectorcall_NARGS(nargsf);
    if (positional > 3) {
        PyErr_Format(PyExc_TypeError, "start_response() takes at most 3 arguments (%zd given)",
                     positional);
        return false;
    }
    for (Py_ssize_t i = 0; i < positional; ++i)
        bound[i] = args[i];
    Py_ssize_t keywords = names ? PyTuple_GET_SIZE(names) : 0;
    for (Py_ssize_t k = 0; k < keywords; ++k) {
        PyObject* name = PyTuple_GET_ITEM(names, k);
        int slot = -1;
        for (int i = 0; i < 3 && slot < 0; ++i)
            if (PyUnicode_CompareWithASCIIString(name, kNames[i]) == 0) slot = i;
        if (slot < 0 || bound[slot] != nullptr) {
            PyErr_Format(PyExc_TypeError,
                         "start_response() got an unexpected or repeated argument %R", name);
            return false;
        }
        bound[slot] = args[positional + k];
    }
    if (bound[0] == nullptr || bound[1] == nullptr) {
        PyErr_SetString(PyExc_TypeError,
                        "start_response() needs status and response_headers (PEP 3333)");
        return false;
    }
    return true;
}

PyObject* start_response_call(PyObject* self, PyObject* const* args, size_t nargsf,
                              PyObject* names) {
    StartResponseObject& object = *as_struct<StartResponseObject>(self);
    PyObject* bound[3] = {nullptr, nullptr, nullptr};
    if (!bind_arguments(args, nargsf, names, bound)) return nullptr;
    if (object.target == nullptr) return request_over();
    bool replace = bound[2] != nullptr && bound[2] != Py_None;
    if (object.started && !replace) {
        PyErr_SetString(PyExc_AssertionError,
                        "Response headers already set! (start_response() may be called again "
                        "only with exc_info, PEP 3333)");
        return nullptr;
    }
    std::string_view status;
    gateway::ResponseHeaders headers;
    if (!latin1_argument(bound[0], "status", status) || !header_list(bound[1], headers))
        return nullptr;
    if (replace) {
        // The gateway says "already sent" and "malformed" the same way; telling them apart
        // matters here (re-raise vs. ValueError), so check the arguments first.
        auto checked = gateway::check_response_start(status, headers);
        if (!checked) {
            PyErr_SetString(PyExc_ValueError, checked.error().c_str());
            return nullptr;
        }
    }
    std::string error = object.target->start(status, std::move(headers), replace);
    if (!error.empty()) {
        if (replace) return reraise(bound[2]);
        PyErr_SetString(PyExc_ValueError, error.c_str());
        return nullptr;
    }
    object.started = true;
    return new_write(self);
}

PyObject* write_call(PyObject* self, PyObject* const* args, size_t nargsf, PyObject* names) {
    if (PyVectorcall_NARGS(nargsf) != 1 || (names && PyTuple_GET_SIZE(names) > 0)) {
        PyErr_SetString(PyExc_TypeError, "write() takes exactly one argument (the bytes)");
        return nullptr;
    }
    PyObject* data = args[0];
    if (!PyBytes_Check(data)) {
        PyErr_Format(PyExc_TypeError, "write() argument must be bytes, not %.200s",
                     Py_TYPE(data)->tp_name);
        return nullptr;
    }
    auto& owner = *as_struct<StartResponseObject>(as_struct<WriteObject>(self)->start_response);
    gateway::StartResponse* target = owner.target;
    if (target == nullptr) return request_over();
    std::string_view bytes(PyBytes_AS_STRING(data), static_cast<size_t>(PyBytes_GET_SIZE(data)));
    // With the GIL: when the client is slow, the server waits through App::before_wait()
    // and after_wait(), which let the GIL go for the wait and need it held to do so
    // (letting it go here too made that wait a fatal "PyEval_SaveThread ... the GIL is
    // released" abort).
    bool written = target->write(bytes);
    if (!written) {
        PyErr_Format(PyExc_OSError, "write() failed: %s", std::string(target->error()).c_str());
        return nullptr;
    }
    Py_RETURN_NONE;
}

void start_response_dealloc(PyObject* self) {
    Py_TYPE(self)->tp_free(self);
}

void write_dealloc(PyObject* self) {
    Py_CLEAR(as_struct<WriteObject>(self)->start_response);
    Py_TYPE(self)->tp_free(self);
}

PyTypeObject make_callable_type(const char* name, Py_ssize_t size, Py_ssize_t vectorcall_at,
                                const char* doc, destructor dealloc) {
    PyTypeObject type = blank_static_type(name, size);
    type.tp_flags |= Py_TPFLAGS_HAVE_VECTORCALL;
    type.tp_vectorcall_offset = vectorcall_at;
    type.tp_call = &PyVectorcall_Call;
    type.tp_doc = doc;
    type.tp_dealloc = dealloc;
    return type;
}

PyTypeObject g_start_response_type = make_callable_type(
    "strata.StartResponse", sizeof(StartResponseObject), offsetof(StartResponseObject, vectorcall),
    "start_response(status, response_headers, exc_info=None) (PEP 3333).", &start_response_dealloc);

PyTypeObject g_write_type = make_callable_type(
    "strata.Write", sizeof(WriteObject), offsetof(WriteObject, vectorcall),
    "write(data): response bytes ahead of the returned iterable (PEP 3333).", &write_dealloc);

PyObject* new_write(PyObject* start_response) {
    WriteObject* write = PyObject_New(WriteObject, &g_write_type);
    if (write == nullptr) return nullptr;
    write->vectorcall = &write_call;
    write->start_response = Py_NewRef(start_response);
    return reinterpret_cast<PyObject*>(write);
}

}  // namespace

bool ready_start_response_types() {
    return PyType_Ready(&g_start_response_type) == 0 && PyType_Ready(&g_write_type) == 0;
}

PyObject* new_start_response(gateway::StartResponse* target) {
    StartResponseObject* object = PyObject_New(StartResponseObject, &g_start_response_type);
    if (object == nullptr) return nullptr;
    object->vectorcall = &start_response_call;
    object->target = target;
    object->started = false;
    return reinterpret_cast<PyObject*>(object);
}

void detach_start_response(PyObject* start_response) {
    as_struct<StartResponseObject>(start_response)->target = nullptr;
}

}  // namespace strata::python::detail
