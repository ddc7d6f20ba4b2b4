// An owned reference to a Python object, released when it goes out of scope, so no
// early return leaks one. Destroy it with the GIL held.
#pragma once

#include <Python.h>

#include <utility>

namespace strata::python {

class PyRef {
  public:
    PyRef() = default;
    // Takes over a new reference (or nullptr, what a failed C API call returns).
    explicit PyRef(PyObject* owned) : object_(owned) {}
    // Adds a reference to a borrowed object.
    static PyRef borrow(PyObject* borrowed) {
        Py_XINCREF(borrowed);
        return PyRef(borrowed);
    }

    PyRef(PyRef&& other) noexcept : object_(std::exchange(other.object_, nullptr)) {}
    PyRef& operator=(PyRef&& other) noexcept {
        if (this != &other) reset(std::exchange(other.object_, nullptr));
        return *this;
    }
    PyRef(const PyRef&) = delete;
    PyRef& operator=(const PyRef&) = delete;
    ~PyRef() { Py_XDECREF(object_); }

    PyObject* get() const { return object_; }
    explicit operator bool() const { return object_ != nullptr; }
    // Gives the reference to the caller.
    PyObject* release() { return std::exchange(object_, nullptr); }
    void reset(PyObject* owned = nullptr) {
        PyObject* old = std::exchange(object_, owned);
        Py_XDECREF(old);
    }

  private:
    PyObject* object_ = nullptr;
};

}  // namespace strata::python
