#include "strata/python/detail/latin1.h"

namespace strata::python::detail {

std::optional<std::string_view> latin1_view(PyObject* text) {
    if (PyUnicode_READY(text) < 0) {
        PyErr_Clear();
        return std::nullopt;
    }
    if (PyUnicode_KIND(text) != PyUnicode_1BYTE_KIND) return std::nullopt;
    return std::string_view(reinterpret_cast<const char*>(PyUnicode_1BYTE_DATA(text)),
                            static_cast<size_t>(PyUnicode_GET_LENGTH(text)));
}

}  // namespace strata::python::detail
