// gunicorn's "MODULE[:VARIABLE]" app argument, taken apart: the module to import, and
// what to take from it: a name, or a call of one with literal arguments
// ("create_app('prod', debug=False)"), read with Python's ast as gunicorn does.
#pragma once

#include <string>
#include <string_view>

#include "strata/base/result.h"
#include "strata/python/py_ref.h"

namespace strata::python::detail {

struct AppSpec {
    std::string module;
    std::string expression;  // "application" when the spec has no ':'
};
AppSpec split_app_spec(std::string_view spec);

struct AppReference {
    std::string name;  // the module attribute
    PyRef args;        // a tuple when the expression calls it, else null
    PyRef kwargs;      // a dict when the expression calls it, else null
};

// Reads `expression` as a name or a call with literal arguments; gunicorn's message when
// it is neither. Needs the GIL; leaves no Python error set.
Result<AppReference, std::string> parse_app_expression(const std::string& expression);

// Python's repr() of a str, for gunicorn's %r messages ("'app'").
std::string repr_of(std::string_view text);

}  // namespace strata::python::detail
