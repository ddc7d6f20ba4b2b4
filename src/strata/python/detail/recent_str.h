// The str for a value that is usually the same as last time (SERVER_PORT, REMOTE_ADDR,
// REQUEST_METHOD, ...), so a request repeats a comparison rather than an allocation.
#pragma once

#include <Python.h>

#include <string>
#include <string_view>

#include "strata/python/detail/latin1.h"
#include "strata/python/py_ref.h"

namespace strata::python::detail {

// Needs the GIL for every call, including the destructor.
class RecentStr {
  public:
    // A latin-1 str of `bytes` (a new reference); nullptr with a Python error set on no memory.
    PyRef get(std::string_view bytes) {
        if (!str_ || bytes != bytes_) {
            str_.reset(latin1_str(bytes));
            bytes_.assign(bytes);
            if (!str_) return PyRef();
        }
        return PyRef::borrow(str_.get());
    }

  private:
    std::string bytes_;
    PyRef str_;
};

}  // namespace strata::python::detail
