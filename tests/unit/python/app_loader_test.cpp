// gunicorn 20.1's import_app: the spec forms it accepts and its error messages.
#include "strata/python/app_loader.h"

#include <gtest/gtest.h>

#include "python_test_support.h"
#include "strata/python/detail/app_spec.h"

namespace strata::python::testing {
namespace {

constexpr const char* kLoaderModule = R"(
def application(environ, start_response):
    start_response("200 OK", [])
    return [b"default"]

def app(environ, start_response):
    start_response("200 OK", [])
    return [b"named"]

def create(*args, **kwargs):
    def made(environ, start_response):
        start_response("200 OK", [])
        return [repr((args, sorted(kwargs.items()))).encode()]
    return made

def create_one(name):
    return app

def create_broken():
    return {}["missing"] + 1

def create_type_error():
    return len(42)

def make_none():
    return None

value = 42
nothing = None
)";

class AppLoaderTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        write_module("loader_mod", kLoaderModule);
        write_module("loader_raises", "x = 1\nraise RuntimeError('import-time failure')\n");
    }
    std::string error_for(const std::string& spec) {
        auto app = load_app(spec, {});
        return app ? std::string("<loaded>") : app.error();
    }
    std::string body_of(const std::string& spec) {
        auto app = load(spec);
        return app ? run(*app, RequestSpec{}).body : "<not loaded>";
    }
};

TEST_F(AppLoaderTest, LoadsEverySpecForm) {
    struct Case {
        std::string spec;
        std::string body;
    };
    const Case cases[] = {
        {"loader_mod", "default"},
        {"loader_mod:application", "default"},
        {"loader_mod:app", "named"},
        {"loader_mod:create()", "((), [])"},
        {"loader_mod:create('a', 1, key=True)", "(('a', 1), [('key', True)])"},
        {"loader_mod:create([1, 2], {'k': (3, None)}, x=-1.5, y=b'z')",
         "(([1, 2], {'k': (3, None)}), [('x', -1.5), ('y', b'z')])"},
        {"loader_mod:create_one(name='x')", "named"},
    };
    for (const Case& c : cases)
        EXPECT_EQ(body_of(c.spec), c.body) << c.spec;
}

TEST_F(AppLoaderTest, FailsWithGunicornsMessages) {
    struct Case {
        std::string spec;
        std::string error;
    };
    const Case cases[] = {
        {"loader_mod:nope", "Failed to find attribute 'nope' in 'loader_mod'."},
        {"loader_mod:value", "Application object must be callable."},
        {"loader_mod:nothing", "Failed to find application object: 'nothing'"},
        {"loader_mod:make_none()", "Failed to find application object: 'make_none()'"},
        {"loader_mod:app(", "Failed to parse 'app(' as an attribute name or function call."},
        {"loader_mod:a.b", "Failed to parse 'a.b' as an attribute name or function call."},
        {"loader_mod:1", "Failed to parse '1' as an attribute name or function call."},
        {"loader_mod:", "Failed to parse '' as an attribute name or function call."},
        {"loader_mod:obj.create()", "Function reference must be a simple name: 'obj.create()'"},
        {"loader_mod:create(x)", "Failed to parse arguments as literal values: 'create(x)'"},
        {"loader_mod:create(1 + len('a'))",
         "Failed to parse arguments as literal values: \"create(1 + len('a'))\""},
        {"loader_mod:create_one(1, 2)",
         "TypeError: create_one() takes 1 positional argument but 2 were given"},
        {"loader_mod:create_missing()",
         "Failed to find attribute 'create_missing' in 'loader_mod'."},
    };
    for (const Case& c : cases)
        EXPECT_EQ(error_for(c.spec), c.error) << c.spec;
}

TEST_F(AppLoaderTest, ImportErrorsCarryTheTraceback) {
    std::string missing = error_for("no_such_module_anywhere:app");
    EXPECT_EQ(missing.rfind("Traceback (most recent call last):", 0), 0u) << missing;
    EXPECT_NE(missing.find("ModuleNotFoundError: No module named 'no_such_module_anywhere'"),
              std::string::npos)
        << missing;

    std::string raising = error_for("loader_raises");
    EXPECT_NE(raising.find("loader_raises.py\", line 2, in <module>"), std::string::npos)
        << raising;
    EXPECT_NE(raising.find("RuntimeError: import-time failure"), std::string::npos) << raising;
}

// A TypeError from inside the factory is the factory's bug: the whole traceback.
TEST_F(AppLoaderTest, FactoryErrorsCarryTheTraceback) {
    std::string type_error = error_for("loader_mod:create_type_error()");
    EXPECT_EQ(type_error.rfind("Traceback (most recent call last):", 0), 0u) << type_error;
    EXPECT_NE(type_error.find("in create_type_error"), std::string::npos) << type_error;
    EXPECT_NE(type_error.find("TypeError: object of type 'int' has no len()"), std::string::npos);

    std::string key_error = error_for("loader_mod:create_broken()");
    EXPECT_NE(key_error.find("in create_broken"), std::string::npos) << key_error;
    EXPECT_NE(key_error.find("KeyError: 'missing'"), std::string::npos) << key_error;
}

// gunicorn's hint for "app.py" given where "app" was meant.
TEST_F(AppLoaderTest, SuggestsTheModuleNameForAPyFile) {
    fs::path previous = fs::current_path();
    fs::current_path(module_dir());
    std::string error = error_for("loader_mod.py");
    std::string with_variable = error_for("loader_mod.py:app");
    fs::current_path(previous);
    EXPECT_EQ(error, "Failed to find application, did you mean 'loader_mod:application'?");
    EXPECT_EQ(with_variable, "Failed to find application, did you mean 'loader_mod:app'?");
}

TEST(AppSpec, SplitsAtTheFirstColon) {
    struct Case {
        std::string spec, module, expression;
    };
    const Case cases[] = {
        {"app", "app", "application"},
        {"pkg.mod:app", "pkg.mod", "app"},
        {"m:create(':')", "m", "create(':')"},
        {"m:", "m", ""},
    };
    for (const Case& c : cases) {
        detail::AppSpec spec = detail::split_app_spec(c.spec);
        EXPECT_EQ(spec.module, c.module) << c.spec;
        EXPECT_EQ(spec.expression, c.expression) << c.spec;
    }
}

}  // namespace
}  // namespace strata::python::testing
