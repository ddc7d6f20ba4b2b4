#include "strata/python/embedded_version.h"

#include <Python.h>

namespace strata::python {

std::string embedded_version() {
    std::string full = Py_GetVersion();  // "3.11.2 (main, …) [GCC …]"; no interpreter needed
    return full.substr(0, full.find(' '));
}

}  // namespace strata::python
