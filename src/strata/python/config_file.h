// gunicorn's config file (-c/--config), run by the embedded interpreter as gunicorn 20.1
// runs it: "python:MODULE" is imported; "file:PATH" or PATH is executed as a module named
// __config__ (with __file__ set, and in sys.modules); a name other than *.py/*.pyc gets
// gunicorn's warning and is still read as Python. Every module-level name that is a setting
// is then set as a config-file value, in the module's order; other names are ignored.
// Hooks (callables, or import strings imported now) go to a ServerHooks.
//
// Errors are the whole text gunicorn writes to stderr before it exits with status 1:
//   "\nError: 'x.py' doesn't exist\n"
//   "Failed to read config file: x.py\nTraceback (most recent call last): ...\n"
//   "Invalid value for workers: -1\n\n\nError: Value must be positive: -1\n"
//
// No Python.h here: the command line calls this.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "strata/base/result.h"
#include "strata/python/hooks.h"
#include "strata/python/settings.h"

struct _object;  // CPython's PyObject

namespace strata::python {

struct LoadedConfigFile {
    WsgiSettings settings;               // what the file set, over the settings given
    std::shared_ptr<ServerHooks> hooks;  // its hooks (none set when it has none)
    std::string warnings;                // for stderr: gunicorn's "!!! WARNING: …" block
};

// Runs the config file at `location` and applies its settings over `settings` (gunicorn's
// defaults, usually). The interpreter must be running; takes the GIL.
Result<LoadedConfigFile, std::string> load_config_file(std::string_view location,
                                                       WsgiSettings settings);

// A Python value as settings take it: None, bool, int (within int64), str, a list or tuple
// of str, a dict of str to str, else PythonObject (type name, repr, __qualname__,
// callable). With the GIL.
SettingValue to_setting_value(_object* value);

// sys.path once the settings are final, as gunicorn leaves it: `chdir` first (when not
// there yet), then each pythonpath entry, made absolute against `chdir`, in front of it.
// Takes the GIL.
Result<std::monostate, std::string> extend_import_path(const WsgiSettings& settings);

// os.environ[key] = value for each raw_env pair (gunicorn's arbiter does this once the
// settings are final): the running interpreter's os.environ does not see a later setenv().
// A malformed raw_env is left for the caller to report. Takes the GIL.
Result<std::monostate, std::string> export_raw_env(const WsgiSettings& settings);

}  // namespace strata::python
