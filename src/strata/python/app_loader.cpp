#include "strata/python/app_loader.h"

#include <fmt/core.h>

#include <filesystem>

#include "strata/python/detail/app_spec.h"
#include "strata/python/gil.h"
#include "strata/python/py_ref.h"
#include "strata/python/python_error.h"
#include "strata/python/wsgi_app.h"

namespace strata::python {
namespace {

using detail::repr_of;

// importlib.import_module(name); `expression` is for gunicorn's hint about a ".py" name.
Result<PyRef, std::string> import_module(const std::string& name, const std::string& expression) {
    PyRef importlib(PyImport_ImportModule("importlib"));
    PyRef module(importlib
                     ? PyObject_CallMethod(importlib.get(), "import_module", "s", name.c_str())
                     : nullptr);
    if (module) return module;
    std::error_code ignored;
    if (PyErr_ExceptionMatches(PyExc_ImportError) && name.ends_with(".py") &&
        std::filesystem::exists(name, ignored)) {
        PyErr_Clear();
        return Err{fmt::format("Failed to find application, did you mean '{}:{}'?",
                               name.substr(0, name.size() - 3), expression)};
    }
    return Err{take_exception_text()};
}

// gunicorn's _called_with_wrong_args: a TypeError that never reached `factory`'s code
// is about the call itself (bad arguments), not something inside the factory. Looks at
// the pending exception without clearing it.
bool called_with_wrong_args(PyObject* factory) {
    PyObject* type = nullptr;
    PyObject* value = nullptr;
    PyObject* traceback = nullptr;
    PyErr_Fetch(&type, &value, &traceback);
    PyRef code(PyObject_GetAttrString(factory, "__code__"));
    bool wrong_args = static_cast<bool>(code);  // not a function: show the whole traceback
    for (PyRef tb = PyRef::borrow(traceback); wrong_args && tb && tb.get() != Py_None;
         tb.reset(PyObject_GetAttrString(tb.get(), "tb_next"))) {
        PyRef frame(PyObject_GetAttrString(tb.get(), "tb_frame"));
        PyRef frame_code(frame ? PyObject_GetAttrString(frame.get(), "f_code") : nullptr);
        if (frame_code.get() == code.get()) wrong_args = false;
    }
    PyErr_Clear();
    PyErr_Restore(type, value, traceback);
    return wrong_args;
}

// "TypeError: f() takes 0 positional arguments but 1 was given": the exception, no
// traceback (gunicorn: format_exception_only, stripped).
std::string exception_only() {
    std::string text = take_exception_text();
    return std::string(exception_summary(text));
}

Result<PyRef, std::string> call_factory(PyRef factory, const detail::AppReference& reference) {
    PyRef app(PyObject_Call(factory.get(), reference.args.get(), reference.kwargs.get()));
    if (app) return app;
    if (PyErr_ExceptionMatches(PyExc_TypeError) && called_with_wrong_args(factory.get()))
        return Err{exception_only()};
    return Err{take_exception_text()};
}

Result<PyRef, std::string> import_wsgi_callable(std::string_view spec) {
    detail::AppSpec parts = detail::split_app_spec(spec);
    auto module = import_module(parts.module, parts.expression);
    if (!module) return Err{module.error()};
    auto reference = detail::parse_app_expression(parts.expression);
    if (!reference) return Err{reference.error()};
    PyRef app(PyObject_GetAttrString(module->get(), reference->name.c_str()));
    if (!app) {
        if (!PyErr_ExceptionMatches(PyExc_AttributeError)) return Err{take_exception_text()};
        PyErr_Clear();
        return Err{fmt::format("Failed to find attribute {} in {}.", repr_of(reference->name),
                               repr_of(parts.module))};
    }
    if (reference->args) {
        auto made = call_factory(std::move(app), *reference);
        if (!made) return Err{made.error()};
        app = std::move(made).value();
    }
    if (app.get() == Py_None)
        return Err{fmt::format("Failed to find application object: {}", repr_of(parts.expression))};
    if (!PyCallable_Check(app.get()))
        return Err{std::string("Application object must be callable.")};
    return app;
}

}  // namespace

Result<std::unique_ptr<gateway::App>, std::string> load_app(std::string_view spec,
                                                            const WsgiOptions& options) {
    GilGuard gil;
    auto callable = import_wsgi_callable(spec);
    if (!callable) return Err{callable.error()};
    auto app = WsgiApp::create(std::move(callable).value(), options);
    if (!app) return Err{app.error()};
    return std::unique_ptr<gateway::App>(std::move(app).value());
}

}  // namespace strata::python
