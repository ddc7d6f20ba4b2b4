// The embedded interpreter: where it thinks it lives, sys.path and sys.argv as gunicorn
// sets them, the GIL let go after start, fork() with it running, and venvs (in a child
// process, since one process starts Python once).
#include "strata/python/interpreter.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "python_test_support.h"

extern char** environ;

namespace strata::python::testing {
namespace {

TEST(Interpreter, IsRunningWithoutTheGilOnTheStartingThread) {
    EXPECT_TRUE(interpreter_running());
    EXPECT_EQ(PyGILState_Check(), 0);
}

TEST(Interpreter, RefusesASecondStart) {
    auto again = start_interpreter({});
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error(), "the Python interpreter is already running");
}

TEST(Interpreter, PutsPythonpathFirstThenTheWorkingDirectory) {
    std::string cwd = fs::current_path().string();
    EXPECT_EQ(py_eval("__import__('sys').path[0]"), "'" + module_dir().string() + "'");
    EXPECT_EQ(py_eval("__import__('sys').path.index('" + cwd + "') > 0"), "True");
}

TEST(Interpreter, SetsArgvAndTheDebianExecutable) {
    EXPECT_EQ(py_eval("__import__('sys').argv"), "['strata-python-tests', '--flag']");
    // Not the pyenv python3 first on PATH.
    EXPECT_EQ(py_eval("__import__('sys').executable"), "'/usr/bin/python3'");
    EXPECT_EQ(py_eval("__import__('sys').prefix"), "'/usr'");
}

// The library linked is /usr/bin/python3's, not another 3.11 found on PATH (pyenv's).
TEST(Interpreter, IsTheLibraryOfTheBuildsPython) {
    FILE* pipe =
        ::popen("/usr/bin/python3 -c 'import platform; print(platform.python_version())'", "r");
    ASSERT_NE(pipe, nullptr);
    char line[64] = {};
    ASSERT_NE(std::fgets(line, sizeof line, pipe), nullptr);
    ::pclose(pipe);
    std::string expected(line);
    expected.erase(expected.find_last_not_of('\n') + 1);
    EXPECT_EQ(py_eval("__import__('platform').python_version()"), "'" + expected + "'");
    EXPECT_EQ(py_eval("__import__('sysconfig').get_config_var('LIBDIR')"),
              "'/usr/lib/x86_64-linux-gnu'");
}

TEST(Interpreter, FindsFlaskFromDebian) {
    EXPECT_EQ(py_eval("__import__('flask').__name__"), "'flask'")
        << py_eval("__import__('sys').path");
}

TEST(Interpreter, ResolvesPaths) {
    fs::path venv = module_dir() / "resolve-venv";
    fs::create_directories(venv);
    write_file(venv / "pyvenv.cfg", "home = /usr/bin\n");
    struct Case {
        std::string python_home;
        std::string virtual_env;
        std::string executable;
        std::string home;
    };
    const Case cases[] = {
        {"", "", "/usr/bin/python3", ""},
        {"", "/srv/venv", "/srv/venv/bin/python", ""},
        {venv.string(), "/srv/other", venv.string() + "/bin/python", ""},
        {"/opt/python", "", "/usr/bin/python3", "/opt/python"},
        {"/opt/python", "/srv/venv", "/usr/bin/python3", "/opt/python"},
    };
    for (const Case& c : cases) {
        InterpreterOptions options;
        options.python_home = c.python_home;
        InterpreterPaths paths = resolve_interpreter_paths(options, c.virtual_env);
        EXPECT_EQ(paths.executable, c.executable) << c.python_home << " / " << c.virtual_env;
        EXPECT_EQ(paths.home, c.home) << c.python_home << " / " << c.virtual_env;
    }
}

TEST(Interpreter, RunsPythonInAForkedChild) {
    write_module("fork_probe", "import os\nparent = os.getpid()\n");
    ASSERT_EQ(py_exec("import fork_probe"), "");
    before_fork();
    pid_t pid = ::fork();
    if (pid == 0) {
        after_fork_in_child();
        bool ok = py_eval("__import__('os').getpid() != __import__('fork_probe').parent") == "True";
        ::_exit(ok ? 0 : 1);
    }
    after_fork_in_parent();
    ASSERT_GT(pid, 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    EXPECT_EQ(PyGILState_Check(), 0);
    EXPECT_EQ(py_eval("1 + 1"), "2");
}

// The child side of the venv tests: reports what the interpreter it started sees.
TEST(InterpreterChild, DISABLED_Report) {
    EXPECT_EQ(py_exec("import os, sys, flask, only_in_venv\n"
                      "with open(os.environ['STRATA_PYTHON_TEST_REPORT'], 'w') as report:\n"
                      "    report.write('prefix=%s\\nexecutable=%s\\nvenv_module=%s\\n'\n"
                      "                 'flask=%s\\n' % (sys.prefix, sys.executable,\n"
                      "                                  only_in_venv.where, flask.__name__))\n"),
              "");
}

// Runs this binary's InterpreterChild.DISABLED_Report with `extra` in its environment;
// returns the report.
std::string run_child(const std::vector<std::string>& extra) {
    fs::path report = module_dir() / "child-report.txt";
    fs::remove(report);
    std::vector<std::string> env = {"STRATA_PYTHON_TEST_CHILD=1",
                                    "STRATA_PYTHON_TEST_REPORT=" + report.string()};
    env.insert(env.end(), extra.begin(), extra.end());
    for (char** e = environ; *e != nullptr; ++e)
        if (std::string_view(*e).rfind("VIRTUAL_ENV=", 0) != 0) env.emplace_back(*e);
    std::vector<std::string> args = {"/proc/self/exe", "--gtest_also_run_disabled_tests",
                                     "--gtest_filter=InterpreterChild.DISABLED_Report"};
    std::vector<char*> argv;
    std::vector<char*> envp;
    for (std::string& a : args)
        argv.push_back(a.data());
    for (std::string& e : env)
        envp.push_back(e.data());
    argv.push_back(nullptr);
    envp.push_back(nullptr);
    pid_t pid = 0;
    int spawned = ::posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv.data(), envp.data());
    EXPECT_EQ(spawned, 0);
    int status = 0;
    if (spawned == 0) ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
    return read_file(report);
}

// A venv made as users make them, with a module only it has.
fs::path make_venv() {
    fs::path venv = module_dir() / "venv";
    if (!fs::exists(venv / "pyvenv.cfg")) {
        std::string command =
            "/usr/bin/python3 -m venv --system-site-packages --without-pip " + venv.string();
        EXPECT_EQ(std::system(command.c_str()), 0) << command;
        write_file(venv / "lib/python3.11/site-packages/only_in_venv.py", "where = 'venv'\n");
    }
    return venv;
}

TEST(InterpreterVenv, VirtualEnvVariableActsAsItsPython) {
    fs::path venv = make_venv();
    std::string report = run_child({"VIRTUAL_ENV=" + venv.string()});
    EXPECT_NE(report.find("prefix=" + venv.string() + "\n"), std::string::npos) << report;
    EXPECT_NE(report.find("executable=" + venv.string() + "/bin/python\n"), std::string::npos)
        << report;
    EXPECT_NE(report.find("venv_module=venv\n"), std::string::npos) << report;
    EXPECT_NE(report.find("flask=flask"), std::string::npos) << report;  // system site-packages
}

TEST(InterpreterVenv, PythonHomeNamingAVenvActsAsItsPython) {
    fs::path venv = make_venv();
    std::string report = run_child({"STRATA_PYTHON_TEST_HOME=" + venv.string()});
    EXPECT_NE(report.find("prefix=" + venv.string() + "\n"), std::string::npos) << report;
    EXPECT_NE(report.find("venv_module=venv\n"), std::string::npos) << report;
}

}  // namespace
}  // namespace strata::python::testing
