#include "strata/python/detail/file_wrapper.h"

#include <structmember.h>

#include "strata/python/detail/static_type.h"

namespace strata::python::detail {
namespace {

constexpr Py_ssize_t kDefaultBlockSize = 8192;  // PEP 3333's and gunicorn's

struct FileWrapper {
    PyObject ob_base;  // PyObject_HEAD
    PyObject* filelike;
    Py_ssize_t block_size;
};

PyObject* wrapper_new(PyTypeObject* type, PyObject* args, PyObject* keywords) {
    static const char* names[] = {"filelike", "blksize", nullptr};
    PyObject* filelike = nullptr;
    Py_ssize_t block_size = kDefaultBlockSize;
    if (!PyArg_ParseTupleAndKeywords(args, keywords, "O|n:file_wrapper", const_cast<char**>(names),
                                     &filelike, &block_size))
        return nullptr;
    if (block_size <= 0) {
        PyErr_SetString(PyExc_ValueError, "file_wrapper: blksize must be positive");
        return nullptr;
    }
    PyObject* self = type->tp_alloc(type, 0);
    if (self == nullptr) return nullptr;
    FileWrapper& wrapper = *as_struct<FileWrapper>(self);
    wrapper.filelike = Py_NewRef(filelike);
    wrapper.block_size = block_size;
    return self;
}

void wrapper_dealloc(PyObject* self) {
    Py_CLEAR(as_struct<FileWrapper>(self)->filelike);
    Py_TYPE(self)->tp_free(self);
}

// filelike.read(blksize) until it gives nothing.
PyObject* wrapper_next(PyObject* self) {
    FileWrapper& wrapper = *as_struct<FileWrapper>(self);
    PyObject* block = PyObject_CallMethod(wrapper.filelike, "read", "n", wrapper.block_size);
    if (block == nullptr) return nullptr;
    int has_data = PyObject_IsTrue(block);
    if (has_data == 1) return block;
    Py_DECREF(block);
    return nullptr;  // the end, or the error PyObject_IsTrue set
}

// PEP 3333: close() closes the file, when it has a close().
PyObject* wrapper_close(PyObject* self, PyObject*) {
    PyObject* close = PyObject_GetAttrString(as_struct<FileWrapper>(self)->filelike, "close");
    if (close == nullptr) {
        if (!PyErr_ExceptionMatches(PyExc_AttributeError)) return nullptr;
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    PyObject* result = PyObject_CallNoArgs(close);
    Py_DECREF(close);
    return result;
}

PyMethodDef kMethods[] = {
    {"close", as_method(&wrapper_close), METH_NOARGS, "close(): closes the file."},
    {nullptr, nullptr, 0, nullptr},
};

PyMemberDef kMembers[] = {
    {"filelike", T_OBJECT, offsetof(FileWrapper, filelike), READONLY, "the wrapped file"},
    {"blksize", T_PYSSIZET, offsetof(FileWrapper, block_size), READONLY, "bytes per read"},
    {nullptr, 0, 0, 0, nullptr},
};

PyTypeObject make_type() {
    PyTypeObject type = blank_static_type("strata.FileWrapper", sizeof(FileWrapper));
    type.tp_doc = "wsgi.file_wrapper(filelike, blksize=8192) (PEP 3333).";
    type.tp_new = &wrapper_new;
    type.tp_dealloc = &wrapper_dealloc;
    type.tp_iter = &PyObject_SelfIter;
    type.tp_iternext = &wrapper_next;
    type.tp_methods = kMethods;
    type.tp_members = kMembers;
    return type;
}

PyTypeObject g_type = make_type();

}  // namespace

bool ready_file_wrapper_type() {
    return PyType_Ready(&g_type) == 0;
}

PyObject* file_wrapper_type() {
    return reinterpret_cast<PyObject*>(&g_type);
}

bool is_file_wrapper(PyObject* object) {
    return Py_IS_TYPE(object, &g_type);
}

PyObject* wrapped_file(PyObject* wrapper) {
    return as_struct<FileWrapper>(wrapper)->filelike;
}

}  // namespace strata::python::detail
