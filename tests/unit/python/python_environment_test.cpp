// Starts the interpreter once for the whole test process, as a worker would: the test
// module directory as --pythonpath, sys.argv set, the GIL let go afterwards.
//
// A test may re-run this binary as a child to start the interpreter differently
// (interpreter_test.cpp): STRATA_PYTHON_TEST_CHILD=1, with STRATA_PYTHON_TEST_HOME as
// python_home and the caller's VIRTUAL_ENV left alone. Otherwise VIRTUAL_ENV is cleared,
// so the developer's shell does not decide which Python the tests see.
//
// Leaks: Py_FinalizeEx does not free everything the interpreter and its extension
// modules allocated (module state, interned objects, OpenSSL's tables), so under
// ASan LeakSanitizer reports them at exit. They are suppressed below for allocations
// made inside libpython and OpenSSL only; leaks of the bridge's own C++ allocations are still
// reported. (Python objects live in pymalloc arenas LeakSanitizer does not track, so
// a reference leak was never something it could see.)
#include <gtest/gtest.h>

#include <cstdlib>

#include "python_test_support.h"
#include "strata/python/interpreter.h"

// Read by LeakSanitizer at start-up; in non-sanitizer builds an unused function.
extern "C" const char* __lsan_default_suppressions() {
    return "leak:libpython3.11.so\n"
           "leak:libcrypto.so\n";  // OpenSSL's, via the hashlib Flask imports
}

namespace strata::python::testing {
namespace {

class PythonEnvironment final : public ::testing::Environment {
  public:
    void SetUp() override {
        fs::create_directories(module_dir());
        InterpreterOptions options;
        options.pythonpath = {module_dir().string()};
        options.argv = {"strata-python-tests", "--flag"};
        if (std::getenv("STRATA_PYTHON_TEST_CHILD") != nullptr) {
            const char* home = std::getenv("STRATA_PYTHON_TEST_HOME");
            options.python_home = home ? home : "";
        } else {
            ::unsetenv("VIRTUAL_ENV");
        }
        auto started = start_interpreter(options);
        ASSERT_TRUE(started.ok()) << started.error();
    }
    void TearDown() override {
        stop_interpreter();
        std::error_code ignored;
        fs::remove_all(module_dir(), ignored);
    }
};

[[maybe_unused]] ::testing::Environment* const g_environment =
    ::testing::AddGlobalTestEnvironment(new PythonEnvironment);

}  // namespace
}  // namespace strata::python::testing
