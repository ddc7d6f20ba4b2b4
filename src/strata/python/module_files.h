// The source files of every imported module, for gunicorn's --reload.
#pragma once

#include <string>
#include <vector>

namespace strata::python {

// The `__file__` of each module in sys.modules that has one (a .pyc gives its .py when
// that exists), sorted and without repeats. Takes the GIL.
std::vector<std::string> imported_module_files();

}  // namespace strata::python
