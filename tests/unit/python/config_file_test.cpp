// gunicorn 20.1's config file: the location forms, the module it runs as, which names it
// applies, how Python values become settings, and gunicorn's error texts.
#include "strata/python/config_file.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "python_test_support.h"

namespace strata::python::testing {
namespace {

WsgiSettings defaults() {
    auto settings = WsgiSettings::defaults({});
    EXPECT_TRUE(settings.ok());
    return settings.ok() ? settings.value() : WsgiSettings{};
}

// Writes `source` as a config file in the module directory; its path.
std::string config_file(const std::string& name, const std::string& source) {
    fs::path path = module_dir() / name;
    write_file(path, source);
    return path.string();
}

// The config file's settings over gunicorn's defaults; fails the test on an error.
LoadedConfigFile loaded(const std::string& source, WsgiSettings base = defaults()) {
    auto result = load_config_file(config_file("conf_under_test.py", source), std::move(base));
    if (!result) {
        ADD_FAILURE() << result.error();
        return LoadedConfigFile{};
    }
    return std::move(result).value();
}

std::string error_for(const std::string& location) {
    auto result = load_config_file(location, defaults());
    return result ? std::string("<loaded>") : result.error();
}

std::string error_for_source(const std::string& source) {
    return error_for(config_file("conf_failing.py", source));
}

// to_setting_value() of a Python expression's value.
SettingValue converted(const std::string& expression) {
    GilGuard gil;
    PyObject* globals = PyModule_GetDict(PyImport_AddModule("__main__"));
    PyRef value(PyRun_String(expression.c_str(), Py_eval_input, globals, globals));
    EXPECT_TRUE(value) << take_exception_text();
    return value ? to_setting_value(value.get()) : SettingValue{};
}

template <class T>
std::optional<T> as(const SettingValue& value) {
    if (const T* held = std::get_if<T>(&value)) return *held;
    return std::nullopt;
}

TEST(ConfigFile, AppliesEveryModuleLevelSetting) {
    LoadedConfigFile config = loaded(
        "workers = 3\n"
        "bind = ['127.0.0.1:9000', 'unix:/tmp/strata.sock']\n"
        "raw_env = ('A=1', 'B=2')\n"
        "preload_app = True\n"
        "timeout = 10\n"
        "secure_scheme_headers = {'X-PROTO': 'https'}\n"
        "pidfile = None\n"
        "wsgi_app = 'app:application'\n");
    const WsgiSettings& s = config.settings;
    EXPECT_EQ(s.workers, 3);
    EXPECT_EQ(s.bind, (std::vector<std::string>{"127.0.0.1:9000", "unix:/tmp/strata.sock"}));
    EXPECT_EQ(s.raw_env, (std::vector<std::string>{"A=1", "B=2"}));
    EXPECT_TRUE(s.preload_app);
    EXPECT_EQ(s.timeout, 10);
    EXPECT_EQ(s.secure_scheme_headers, (StringPairs{{"X-PROTO", "https"}}));
    EXPECT_FALSE(s.pidfile.has_value());
    EXPECT_EQ(s.wsgi_app, "app:application");
    EXPECT_TRUE(s.was_set("workers"));
    EXPECT_FALSE(s.was_set("threads"));
    EXPECT_EQ(config.warnings, "");
}

TEST(ConfigFile, IgnoresNamesThatAreNotSettings) {
    LoadedConfigFile config = loaded(
        "import os\n"
        "WORKERS = 9\n"
        "helper_value = 'x'\n"
        "def helper(): pass\n"
        "threads = 2\n");
    EXPECT_EQ(config.settings.workers, 1);
    EXPECT_EQ(config.settings.threads, 2);
}

TEST(ConfigFile, SetsOverTheGivenSettings) {
    WsgiSettings base = defaults();
    ASSERT_TRUE(base.set("workers", std::int64_t{5}).ok());
    ASSERT_TRUE(base.set("timeout", std::int64_t{20}).ok());
    LoadedConfigFile config = loaded("timeout = 10\n", base);
    EXPECT_EQ(config.settings.workers, 5);    // not in the file: as given
    EXPECT_EQ(config.settings.timeout, 10);   // the file's, over what was given
    EXPECT_EQ(config.settings.keepalive, 2);  // gunicorn's default
}

TEST(ConfigFile, RunsAsTheConfigModuleWithItsFile) {
    std::string path = config_file("conf_module_name.py",
                                   "seen_name = __name__\n"
                                   "seen_file = __file__\n");
    ASSERT_TRUE(load_config_file(path, defaults()).ok());
    EXPECT_EQ(py_eval("__import__('sys').modules['__config__'].seen_name"), "'__config__'");
    EXPECT_EQ(py_eval("__import__('sys').modules['__config__'].seen_file"), "'" + path + "'");
}

TEST(ConfigFile, TakesTheFileAndPythonPrefixes) {
    auto from_file =
        load_config_file("file:" + config_file("conf_prefixed.py", "workers = 6\n"), defaults());
    ASSERT_TRUE(from_file.ok()) << from_file.error();
    EXPECT_EQ(from_file->settings.workers, 6);

    write_module("conf_as_module", "workers = 7\nthreads = 3\n");
    auto from_module = load_config_file("python:conf_as_module", defaults());
    ASSERT_TRUE(from_module.ok()) << from_module.error();
    EXPECT_EQ(from_module->settings.workers, 7);
    EXPECT_EQ(from_module->settings.threads, 3);
}

TEST(ConfigFile, ReadsANameWithoutAPythonExtensionAfterAWarning) {
    auto result = load_config_file(config_file("settings.conf", "workers = 4\n"), defaults());
    ASSERT_TRUE(result.ok()) << result.error();
    EXPECT_EQ(result->settings.workers, 4);
    EXPECT_EQ(result->warnings,
              "!!!\n!!! WARNING: configuration file should have a valid Python extension.\n"
              "!!!\n\n");
}

TEST(ConfigFile, ErrorsAreGunicornsText) {
    EXPECT_EQ(error_for("no_such_file.py"), "\nError: 'no_such_file.py' doesn't exist\n");
    EXPECT_EQ(error_for("file:no_such_file.py"), "\nError: 'no_such_file.py' doesn't exist\n");
    EXPECT_EQ(error_for("python:no_such_module"), "\nError: No module named 'no_such_module'\n");
    EXPECT_EQ(error_for_source("workers = -1\n"),
              "Invalid value for workers: -1\n\n\nError: Value must be positive: -1\n");
    EXPECT_EQ(error_for_source("bind = 5\n"),
              "Invalid value for bind: 5\n\n\nError: 'int' object is not iterable\n");

    std::string raised = error_for_source("import os\nvalue = 1 / 0\n");
    std::string path = (module_dir() / "conf_failing.py").string();
    EXPECT_TRUE(raised.starts_with("Failed to read config file: " + path +
                                   "\nTraceback (most recent call last):\n"))
        << raised;
    EXPECT_TRUE(raised.ends_with("\nZeroDivisionError: division by zero\n")) << raised;
}

TEST(ConfigFile, HooksByCallableAndByImportString) {
    write_module("conf_hook_functions", "def ready(server):\n    pass\n");
    LoadedConfigFile config = loaded(
        "def on_starting(server):\n    pass\n"
        "when_ready = 'conf_hook_functions.ready'\n");
    ASSERT_TRUE(config.hooks);
    EXPECT_TRUE(config.hooks->is_set(HookKind::on_starting));
    EXPECT_TRUE(config.hooks->is_set(HookKind::when_ready));
    EXPECT_FALSE(config.hooks->is_set(HookKind::pre_fork));
    EXPECT_EQ(config.settings.on_starting.qualname, "on_starting");
    EXPECT_EQ(config.settings.when_ready.import_path, "conf_hook_functions.ready");
    EXPECT_EQ(config.settings.pre_fork.qualname, "Prefork.pre_fork");  // the default
}

TEST(ConfigFile, HookErrorsAreGunicornsText) {
    struct Case {
        std::string source;
        std::string error;
    };
    const std::vector<Case> cases = {
        {"on_starting = 'nodots'\n",
         "Invalid value for on_starting: nodots\n\n\nError: Value 'nodots' is not import string. "
         "Format: module[.submodules...].object\n"},
        {"on_starting = 'no_such_module.function'\n",
         "Invalid value for on_starting: no_such_module.function\n\n\n"
         "Error: No module named 'no_such_module'\n"},
        {"on_starting = 'os.no_such_function'\n",
         "Invalid value for on_starting: os.no_such_function\n\n\n"
         "Error: Can not load 'no_such_function' from 'os'\n"},
        {"on_starting = 'os.sep'\n",
         "Invalid value for on_starting: os.sep\n\n\nError: Value is not callable: /\n"},
        {"on_starting = 5\n",
         "Invalid value for on_starting: 5\n\n\nError: Value is not callable: 5\n"},
        {"class Hook:\n    def __call__(self, a, b): pass\n\n    def __repr__(self): return 'H'\n"
         "on_starting = Hook()\n",
         "Invalid value for on_starting: H\n\n\nError: Value must have an arity of: 1\n"},
        {"nworkers_changed = lambda server, new: None\n",
         "Invalid value for nworkers_changed: LAMBDA\n\n\nError: Value must have an arity of: 3\n"},
        {"post_request = lambda worker: None\n",
         "Invalid value for post_request: LAMBDA\n\n\nError: Value must have an arity of: 4\n"},
        {"post_request = lambda a, b, c, d, e: None\n",
         "Invalid value for post_request: LAMBDA\n\n\nError: Value must have an arity of: 4\n"},
    };
    for (const Case& c : cases) {
        std::string error = error_for_source(c.source);
        size_t lambda = error.find("<function <lambda> at 0x");
        if (lambda != std::string::npos)
            error.replace(lambda, error.find('>', error.find(" at 0x", lambda)) + 1 - lambda,
                          "LAMBDA");
        EXPECT_EQ(error, c.error) << c.source;
    }
}

TEST(ConfigFile, PostRequestTakesTwoThreeOrFourParameters) {
    for (const char* source : {"post_request = lambda worker, req: None\n",
                               "post_request = lambda worker, req, environ: None\n",
                               "post_request = lambda worker, req, environ, resp: None\n",
                               "def post_request(worker, req, environ=None, *rest, **named):\n"
                               "    pass\n"}) {
        LoadedConfigFile config = loaded(source);
        EXPECT_TRUE(config.hooks && config.hooks->is_set(HookKind::post_request)) << source;
    }
}

TEST(ConfigFile, ConvertsPythonValues) {
    EXPECT_TRUE(std::holds_alternative<std::monostate>(converted("None")));
    EXPECT_EQ(as<bool>(converted("True")), true);
    EXPECT_EQ(as<std::int64_t>(converted("7")), 7);
    EXPECT_EQ(as<std::int64_t>(converted("-7")), -7);
    EXPECT_EQ(as<std::string>(converted("'text'")), "text");
    using Texts = std::vector<std::string>;
    EXPECT_EQ(as<Texts>(converted("['a', 'b']")), (Texts{"a", "b"}));
    EXPECT_EQ(as<Texts>(converted("('a',)")), Texts{"a"});
    EXPECT_EQ(as<Texts>(converted("[]")), Texts{});
    EXPECT_EQ(as<StringPairs>(converted("{'k': 'v', 'a': 'b'}")),
              (StringPairs{{"k", "v"}, {"a", "b"}}));

    struct Described {
        std::string expression;
        std::string type_name;
        std::string repr;
        std::string qualname;
        bool callable;
    };
    const std::vector<Described> cases = {
        {"2 ** 70", "int", "1180591620717411303424", "", false},
        {"['a', 1]", "list", "['a', 1]", "", false},
        {"{'k': 1}", "dict", "{'k': 1}", "", false},
        {"1.5", "float", "1.5", "", false},
        {"len", "builtin_function_or_method", "<built-in function len>", "len", true},
        {"dict", "type", "<class 'dict'>", "dict", true},
        {"b'x'", "bytes", "b'x'", "", false},
    };
    for (const Described& c : cases) {
        SettingValue value = converted(c.expression);
        const auto* object = std::get_if<PythonObject>(&value);
        ASSERT_NE(object, nullptr) << c.expression;
        EXPECT_EQ(object->type_name, c.type_name) << c.expression;
        EXPECT_EQ(object->repr, c.repr) << c.expression;
        EXPECT_EQ(object->qualname, c.qualname) << c.expression;
        EXPECT_EQ(object->callable, c.callable) << c.expression;
    }
    SettingValue function = converted("lambda: None");
    ASSERT_TRUE(std::holds_alternative<PythonObject>(function));
    EXPECT_EQ(std::get<PythonObject>(function).type_name, "function");
    EXPECT_EQ(std::get<PythonObject>(function).qualname, "<lambda>");
}

TEST(ConfigFile, ExtendsSysPathAsGunicornOnceSettingsAreFinal) {
    WsgiSettings settings = defaults();
    std::string chdir = (module_dir() / "chdir").string();
    fs::create_directories(chdir);
    ASSERT_TRUE(settings.set("chdir", chdir).ok());
    ASSERT_TRUE(settings.set("pythonpath", std::string("lib,/opt/strata-other/")).ok());
    ASSERT_TRUE(extend_import_path(settings).ok());
    EXPECT_EQ(py_eval("__import__('sys').path[:3]"),
              "['/opt/strata-other', '" + chdir + "/lib', '" + chdir + "']");
    ASSERT_TRUE(extend_import_path(settings).ok());  // nothing twice
    EXPECT_EQ(py_eval("__import__('sys').path[3] != '/opt/strata-other'"), "True");
    EXPECT_EQ(py_exec("import sys\ndel sys.path[:3]\n"), "");
}

TEST(ConfigFile, ExportsRawEnvToOsEnviron) {
    WsgiSettings settings = defaults();
    ASSERT_TRUE(settings.set("raw_env", std::vector<std::string>{"STRATA_HOOKS_TEST=a=b"}).ok());
    ASSERT_TRUE(export_raw_env(settings).ok());
    EXPECT_EQ(py_eval("__import__('os').environ.get('STRATA_HOOKS_TEST')"), "'a=b'");
    EXPECT_STREQ(std::getenv("STRATA_HOOKS_TEST"), "a=b");
    EXPECT_EQ(py_exec("import os\ndel os.environ['STRATA_HOOKS_TEST']\n"), "");
}

}  // namespace
}  // namespace strata::python::testing
