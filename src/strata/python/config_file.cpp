#include "strata/python/config_file.h"

#include <Python.h>

#include <filesystem>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "strata/python/detail/hook_objects.h"
#include "strata/python/gil.h"
#include "strata/python/py_ref.h"
#include "strata/python/python_error.h"

namespace strata::python {
namespace {

constexpr std::string_view kModuleName = "__config__";
constexpr std::string_view kExtensionWarning =
    "!!!\n!!! WARNING: configuration file should have a valid Python extension.\n!!!\n\n";

// A str as UTF-8; nullopt (error cleared) when it has lone surrogates.
std::optional<std::string> utf8_of(PyObject* text) {
    Py_ssize_t size = 0;
    const char* bytes = PyUnicode_AsUTF8AndSize(text, &size);
    if (bytes == nullptr) {
        PyErr_Clear();
        return std::nullopt;
    }
    return std::string(bytes, static_cast<size_t>(size));
}

PythonObject describe(PyObject* value) {
    PythonObject object;
    object.type_name = Py_TYPE(value)->tp_name;
    size_t dot = object.type_name.rfind('.');  // C types say "module.name"
    if (dot != std::string::npos) object.type_name.erase(0, dot + 1);
    PyRef repr(PyObject_Repr(value));
    object.repr = repr ? str_of(repr.get()) : "<unprintable>";
    if (!repr) PyErr_Clear();
    PyRef qualname(PyObject_GetAttrString(value, "__qualname__"));
    if (qualname && PyUnicode_Check(qualname.get())) object.qualname = str_of(qualname.get());
    PyErr_Clear();
    object.callable = PyCallable_Check(value) != 0;
    return object;
}

std::optional<std::vector<std::string>> string_list(PyObject* sequence) {
    PyRef items(PySequence_Fast(sequence, "not a sequence"));
    if (!items) {
        PyErr_Clear();
        return std::nullopt;
    }
    std::vector<std::string> texts;
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(items.get()); ++i) {
        PyObject* item = PySequence_Fast_GET_ITEM(items.get(), i);
        std::optional<std::string> text =
            PyUnicode_Check(item) ? utf8_of(item) : std::optional<std::string>();
        if (!text) return std::nullopt;
        texts.push_back(std::move(*text));
    }
    return texts;
}

std::optional<StringPairs> string_pairs(PyObject* dict) {
    StringPairs pairs;
    Py_ssize_t position = 0;
    PyObject* key = nullptr;
    PyObject* value = nullptr;
    while (PyDict_Next(dict, &position, &key, &value)) {
        if (!PyUnicode_Check(key) || !PyUnicode_Check(value)) return std::nullopt;
        std::optional<std::string> k = utf8_of(key);
        std::optional<std::string> v = utf8_of(value);
        if (!k || !v) return std::nullopt;
        pairs.emplace_back(std::move(*k), std::move(*v));
    }
    return pairs;
}

std::optional<SettingValue> plain_value(PyObject* value) {
    if (value == Py_None) return SettingValue{};
    if (PyBool_Check(value)) return SettingValue{value == Py_True};
    if (PyLong_Check(value)) {
        int overflow = 0;
        long long n = PyLong_AsLongLongAndOverflow(value, &overflow);
        if (overflow != 0 || (n == -1 && PyErr_Occurred())) {
            PyErr_Clear();
            return std::nullopt;
        }
        return SettingValue{static_cast<std::int64_t>(n)};
    }
    if (PyUnicode_Check(value)) {
        if (auto text = utf8_of(value)) return SettingValue{std::move(*text)};
        return std::nullopt;
    }
    if (PyList_Check(value) || PyTuple_Check(value)) {
        if (auto texts = string_list(value)) return SettingValue{std::move(*texts)};
        return std::nullopt;
    }
    if (PyDict_Check(value)) {
        if (auto pairs = string_pairs(value)) return SettingValue{std::move(*pairs)};
    }
    return std::nullopt;
}

// What gunicorn prints when a setting refuses a config-file value.
std::string invalid_value(std::string_view name, PyObject* value, std::string_view why) {
    return fmt::format("Invalid value for {}: {}\n\n\nError: {}\n", name, str_of(value), why);
}

// gunicorn's "python:MODULE": vars(importlib.import_module(MODULE)).
Result<PyRef, std::string> import_config_module(const std::string& name) {
    PyRef importlib(PyImport_ImportModule("importlib"));
    PyRef module(importlib
                     ? PyObject_CallMethod(importlib.get(), "import_module", "s", name.c_str())
                     : nullptr);
    if (!module) return Err{fmt::format("\nError: {}\n", detail::take_exception_message())};
    return PyRef::borrow(PyModule_GetDict(module.get()));
}

// The module spec for the file: importlib.util.spec_from_file_location("__config__", path),
// with a SourceFileLoader named explicitly for a file not called *.py / *.pyc.
PyRef config_spec(PyObject* util, PyObject* path, bool python_extension) {
    PyRef name(PyUnicode_FromStringAndSize(kModuleName.data(),
                                           static_cast<Py_ssize_t>(kModuleName.size())));
    if (!name) return name;
    if (python_extension)
        return PyRef(PyObject_CallMethod(util, "spec_from_file_location", "OO", name.get(), path));
    PyRef machinery(PyImport_ImportModule("importlib.machinery"));
    PyRef loader(
        machinery ? PyObject_CallMethod(machinery.get(), "SourceFileLoader", "OO", name.get(), path)
                  : nullptr);
    PyRef function(loader ? PyObject_GetAttrString(util, "spec_from_file_location") : nullptr);
    PyRef args(function ? PyTuple_Pack(2, name.get(), path) : nullptr);
    PyRef kwargs(args ? Py_BuildValue("{sO}", "loader", loader.get()) : nullptr);
    return PyRef(kwargs ? PyObject_Call(function.get(), args.get(), kwargs.get()) : nullptr);
}

// Executes the file as the module __config__; its namespace, or nullptr with the Python
// error set.
PyRef execute_config_file(const std::string& filename, bool python_extension) {
    PyRef path(PyUnicode_DecodeFSDefault(filename.c_str()));
    PyRef util(path ? PyImport_ImportModule("importlib.util") : nullptr);
    PyRef spec = util ? config_spec(util.get(), path.get(), python_extension) : PyRef();
    PyRef module(spec ? PyObject_CallMethod(util.get(), "module_from_spec", "O", spec.get())
                      : nullptr);
    PyObject* modules = module ? PySys_GetObject("modules") : nullptr;  // borrowed
    if (!modules || PyMapping_SetItemString(modules, kModuleName.data(), module.get()) != 0)
        return PyRef();
    PyRef loader(PyObject_GetAttrString(spec.get(), "loader"));
    PyRef ran(loader ? PyObject_CallMethod(loader.get(), "exec_module", "O", module.get())
                     : nullptr);
    if (!ran) return PyRef();
    return PyRef::borrow(PyModule_GetDict(module.get()));
}

// gunicorn's get_config_from_filename.
Result<PyRef, std::string> run_config_file(const std::string& filename, std::string& warnings) {
    std::error_code error;
    if (!std::filesystem::exists(filename, error))
        return Err{fmt::format("\nError: {} doesn't exist\n", python_repr(filename))};
    std::string extension = std::filesystem::path(filename).extension().string();
    bool python_extension = extension == ".py" || extension == ".pyc";
    if (!python_extension) warnings += kExtensionWarning;
    PyRef namespace_dict = execute_config_file(filename, python_extension);
    if (namespace_dict) return namespace_dict;
    return Err{fmt::format("{}Failed to read config file: {}\n{}\n", warnings, filename,
                           take_exception_text())};
}

// One module-level name and its value: set when it names a setting.
SetResult apply(WsgiSettings& settings, ServerHooks& hooks, std::string_view name,
                PyObject* value) {
    const SettingSpec* spec = find_setting(name);
    if (spec == nullptr) return std::monostate{};  // the file's own name
    if (std::optional<HookKind> kind = find_hook(name)) {
        auto hooked = hooks.set(*kind, value);
        if (!hooked) return Err{invalid_value(name, value, hooked.error())};
    } else if (name == "logconfig_dict") {
        hooks.keep_value(name, value);  // settings keep only its description
    }
    return settings.set_from_config_file(name, to_setting_value(value));
}

// Applies the namespace's settings in its order (a snapshot: importing a hook's module
// may run code that changes it).
Result<std::monostate, std::string> apply_all(WsgiSettings& settings, ServerHooks& hooks,
                                              PyObject* namespace_dict) {
    PyRef items(PyDict_Items(namespace_dict));
    if (!items) return Err{take_exception_text()};
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(items.get()); ++i) {
        PyObject* item = PyList_GET_ITEM(items.get(), i);
        PyObject* key = PyTuple_GET_ITEM(item, 0);
        std::optional<std::string> name =
            PyUnicode_Check(key) ? utf8_of(key) : std::optional<std::string>();
        if (!name) continue;
        auto applied = apply(settings, hooks, *name, PyTuple_GET_ITEM(item, 1));
        if (!applied) return Err{applied.error()};
    }
    return std::monostate{};
}

// os.path.abspath(entry) as it would be once the working directory is `directory`.
std::string absolute_path(const std::string& directory, const std::string& entry) {
    namespace fs = std::filesystem;
    std::error_code ignored;
    fs::path base = directory.empty() ? fs::current_path(ignored) : fs::path(directory);
    std::string normal = (base / entry).lexically_normal().string();
    while (normal.size() > 1 && normal.back() == '/')
        normal.pop_back();
    return normal;
}

// sys.path.insert(0, entry) unless entry is already in sys.path.
bool put_first(PyObject* path, const std::string& entry) {
    PyRef text(PyUnicode_DecodeFSDefault(entry.c_str()));
    if (!text) return false;
    int present = PySequence_Contains(path, text.get());
    if (present < 0) return false;
    return present == 1 || PyList_Insert(path, 0, text.get()) == 0;
}

}  // namespace

SettingValue to_setting_value(_object* value) {
    if (std::optional<SettingValue> plain = plain_value(value)) return std::move(*plain);
    return describe(value);
}

Result<LoadedConfigFile, std::string> load_config_file(std::string_view location,
                                                       WsgiSettings settings) {
    GilGuard gil;
    LoadedConfigFile loaded;
    loaded.hooks = std::make_shared<ServerHooks>();
    constexpr std::string_view kPython = "python:";
    constexpr std::string_view kFile = "file:";
    Result<PyRef, std::string> namespace_dict =
        location.starts_with(kPython)
            ? import_config_module(std::string(location.substr(kPython.size())))
            : run_config_file(
                  std::string(location.starts_with(kFile) ? location.substr(kFile.size())
                                                          : location),
                  loaded.warnings);
    if (!namespace_dict) return Err{namespace_dict.error()};
    auto applied = apply_all(settings, *loaded.hooks, namespace_dict->get());
    if (!applied) return Err{loaded.warnings + applied.error()};
    loaded.settings = std::move(settings);
    return loaded;
}

Result<std::monostate, std::string> extend_import_path(const WsgiSettings& settings) {
    GilGuard gil;
    PyObject* path = PySys_GetObject("path");  // borrowed
    if (path == nullptr || !PyList_Check(path)) return Err{std::string("sys.path is not a list")};
    bool ok = settings.chdir.empty() || put_first(path, settings.chdir);
    for (const std::string& entry : settings.python_paths()) {
        if (!ok) break;
        ok = put_first(path, absolute_path(settings.chdir, entry));
    }
    if (!ok) return Err{"cannot extend sys.path: " + take_exception_text()};
    return std::monostate{};
}

Result<std::monostate, std::string> export_raw_env(const WsgiSettings& settings) {
    auto pairs = settings.env();
    if (!pairs || pairs->empty()) return std::monostate{};
    GilGuard gil;
    PyRef os(PyImport_ImportModule("os"));
    PyRef environ(os ? PyObject_GetAttrString(os.get(), "environ") : nullptr);
    bool ok = static_cast<bool>(environ);
    for (const auto& [key, value] : *pairs) {
        if (!ok) break;
        PyRef k(PyUnicode_DecodeFSDefault(key.c_str()));
        PyRef v(k ? PyUnicode_DecodeFSDefault(value.c_str()) : nullptr);
        ok = v && PyObject_SetItem(environ.get(), k.get(), v.get()) == 0;
    }
    if (!ok) return Err{"cannot set os.environ: " + take_exception_text()};
    return std::monostate{};
}

}  // namespace strata::python
