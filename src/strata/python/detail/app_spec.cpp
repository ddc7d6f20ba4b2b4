#include "strata/python/detail/app_spec.h"

#include <fmt/core.h>

namespace strata::python::detail {
namespace {

PyRef ast_attribute(PyObject* ast, const char* name) {
    return PyRef(PyObject_GetAttrString(ast, name));
}

bool is_instance(PyObject* node, PyObject* ast, const char* type_name) {
    PyRef type = ast_attribute(ast, type_name);
    return type && PyObject_IsInstance(node, type.get()) == 1;
}

// A Name node's `id` as UTF-8, or empty.
std::string name_id(PyObject* node) {
    PyRef id(PyObject_GetAttrString(node, "id"));
    const char* text = id ? PyUnicode_AsUTF8(id.get()) : nullptr;
    return text ? text : "";
}

// [ast.literal_eval(a) for a in call.args] and {k.arg: ast.literal_eval(k.value)}.
bool literal_arguments(PyObject* ast, PyObject* call, AppReference& out) {
    PyRef literal_eval = ast_attribute(ast, "literal_eval");
    PyRef args(PyObject_GetAttrString(call, "args"));
    PyRef keywords(PyObject_GetAttrString(call, "keywords"));
    if (!literal_eval || !args || !keywords || !PyList_Check(args.get()) ||
        !PyList_Check(keywords.get()))
        return false;
    out.args.reset(PyTuple_New(PyList_GET_SIZE(args.get())));
    out.kwargs.reset(PyDict_New());
    if (!out.args || !out.kwargs) return false;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(args.get()); ++i) {
        PyObject* value = PyObject_CallOneArg(literal_eval.get(), PyList_GET_ITEM(args.get(), i));
        if (value == nullptr) return false;
        PyTuple_SET_ITEM(out.args.get(), i, value);  // steals `value`
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(keywords.get()); ++i) {
        PyObject* keyword = PyList_GET_ITEM(keywords.get(), i);
        PyRef name(PyObject_GetAttrString(keyword, "arg"));
        PyRef node(PyObject_GetAttrString(keyword, "value"));
        if (!name || name.get() == Py_None || !node) return false;  // None: a **mapping
        PyRef value(PyObject_CallOneArg(literal_eval.get(), node.get()));
        if (!value || PyDict_SetItem(out.kwargs.get(), name.get(), value.get()) < 0) return false;
    }
    return true;
}

}  // namespace

AppSpec split_app_spec(std::string_view spec) {
    size_t colon = spec.find(':');
    if (colon == std::string_view::npos) return {std::string(spec), "application"};
    return {std::string(spec.substr(0, colon)), std::string(spec.substr(colon + 1))};
}

std::string repr_of(std::string_view text) {
    PyRef str(PyUnicode_DecodeUTF8(text.data(), static_cast<Py_ssize_t>(text.size()), "replace"));
    PyRef repr(str ? PyObject_Repr(str.get()) : nullptr);
    const char* utf8 = repr ? PyUnicode_AsUTF8(repr.get()) : nullptr;
    if (utf8 != nullptr) return utf8;
    PyErr_Clear();
    return fmt::format("'{}'", text);
}

Result<AppReference, std::string> parse_app_expression(const std::string& expression) {
    std::string unparsable = fmt::format(
        "Failed to parse {} as an attribute name or function call.", repr_of(expression));
    PyRef ast(PyImport_ImportModule("ast"));
    PyRef tree(ast ? PyObject_CallMethod(ast.get(), "parse", "sss", expression.c_str(), "<unknown>",
                                         "eval")
                   : nullptr);
    PyRef body(tree ? PyObject_GetAttrString(tree.get(), "body") : nullptr);
    if (!body) {
        PyErr_Clear();  // a SyntaxError: gunicorn's message says it better
        return Err{unparsable};
    }
    AppReference reference;
    if (is_instance(body.get(), ast.get(), "Name")) {
        reference.name = name_id(body.get());
    } else if (is_instance(body.get(), ast.get(), "Call")) {
        PyRef function(PyObject_GetAttrString(body.get(), "func"));
        if (!function || !is_instance(function.get(), ast.get(), "Name")) {
            PyErr_Clear();
            return Err{
                fmt::format("Function reference must be a simple name: {}", repr_of(expression))};
        }
        reference.name = name_id(function.get());
        if (!literal_arguments(ast.get(), body.get(), reference)) {
            PyErr_Clear();
            return Err{fmt::format("Failed to parse arguments as literal values: {}",
                                   repr_of(expression))};
        }
    }
    PyErr_Clear();
    if (reference.name.empty()) return Err{unparsable};
    return reference;
}

}  // namespace strata::python::detail
