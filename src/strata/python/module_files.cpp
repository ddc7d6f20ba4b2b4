#include "strata/python/module_files.h"

#include <Python.h>
#include <unistd.h>

#include <algorithm>

#include "strata/python/gil.h"

namespace strata::python {
namespace {

std::string source_of(std::string path) {
    if (path.size() > 4 && path.compare(path.size() - 4, 4, ".pyc") == 0) {
        std::string source = path.substr(0, path.size() - 1);
        if (::access(source.c_str(), R_OK) == 0) return source;
    }
    return path;
}

}  // namespace

std::vector<std::string> imported_module_files() {
    GilGuard gil;
    std::vector<std::string> files;
    PyObject* modules = PySys_GetObject("modules");  // borrowed
    if (modules == nullptr || !PyDict_Check(modules)) return files;
    PyObject* values = PyDict_Values(modules);  // a copy: imports may change the dict
    if (values == nullptr) {
        PyErr_Clear();
        return files;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(values); ++i) {
        PyObject* file = PyObject_GetAttrString(PyList_GET_ITEM(values, i), "__file__");
        if (file == nullptr) {
            PyErr_Clear();
            continue;
        }
        if (PyUnicode_Check(file)) {
            if (const char* text = PyUnicode_AsUTF8(file)) files.push_back(source_of(text));
        }
        PyErr_Clear();
        Py_DECREF(file);
    }
    Py_DECREF(values);
    std::sort(files.begin(), files.end());
    files.erase(std::unique(files.begin(), files.end()), files.end());
    return files;
}

}  // namespace strata::python
