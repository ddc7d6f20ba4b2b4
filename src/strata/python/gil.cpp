#include "strata/python/gil.h"

#include <Python.h>

namespace strata::python {

GilGuard::GilGuard() : state_(static_cast<int>(PyGILState_Ensure())) {}

GilGuard::~GilGuard() {
    PyGILState_Release(static_cast<PyGILState_STATE>(state_));
}

GilRelease::GilRelease() : saved_(PyEval_SaveThread()) {}

GilRelease::~GilRelease() {
    PyEval_RestoreThread(static_cast<PyThreadState*>(saved_));
}

}  // namespace strata::python
