// Helpers for the bridge's static extension types: a blank type object to fill in before
// PyType_Ready, the casts method tables need, and the object ↔ struct cast.
#pragma once

#include <Python.h>

namespace strata::python::detail {

// What PyVarObject_HEAD_INIT(NULL, 0) writes plus name, size and default flags; the
// caller sets the slots it uses. Built at static initialisation, readied later.
inline PyTypeObject blank_static_type(const char* name, Py_ssize_t basic_size) {
    PyTypeObject type{};
    type.ob_base.ob_base.ob_refcnt = 1;  // static types are never freed
    type.tp_name = name;
    type.tp_basicsize = basic_size;
    type.tp_flags = Py_TPFLAGS_DEFAULT;
    return type;
}

// PyMethodDef stores every method as a PyCFunction; the real signature follows ml_flags.
// Going through void(*)() is the documented way to say the cast is meant.
template <class Function>
PyCFunction as_method(Function* function) {
    return reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(function));
}

// The C struct behind an object of one of our types (its first member is the header).
template <class Struct>
Struct* as_struct(PyObject* object) {
    return reinterpret_cast<Struct*>(object);
}

}  // namespace strata::python::detail
