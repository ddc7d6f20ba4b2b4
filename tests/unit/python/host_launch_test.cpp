// How `strata wsgi` re-runs itself in python3: the command line, and the environment the
// bootstrap code reads (and removes before the app runs). The launch itself is tested
// end to end (tests/e2e/test_wsgi_host.py).
#include "strata/python/host_launch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace strata::python {
namespace {

HostLaunch launch(std::string home = "") {
    return HostLaunch{{"/srv/venv/bin/python", std::move(home)},
                      "/opt/strata/strata_wsgi_host.so",
                      {"--workers", "2", "app:app"}};
}

std::vector<std::string> environment_of(const HostLaunch& l, std::vector<std::string> current) {
    std::vector<char*> pointers;
    for (std::string& entry : current)
        pointers.push_back(entry.data());
    pointers.push_back(nullptr);
    return host_environment(l, pointers.data());
}

bool contains(const std::vector<std::string>& list, const std::string& entry) {
    return std::find(list.begin(), list.end(), entry) != list.end();
}

size_t count_named(const std::vector<std::string>& env, const std::string& name) {
    return static_cast<size_t>(std::count_if(
        env.begin(), env.end(), [&](const std::string& e) { return e.rfind(name + "=", 0) == 0; }));
}

TEST(HostLaunch, RunsThePythonWithTheBootstrapThenTheArguments) {
    std::vector<std::string> command = host_command(launch());
    ASSERT_EQ(command.size(), 7u);
    EXPECT_EQ(command[0], "/srv/venv/bin/python");  // argv[0]: Python finds its venv by it
    EXPECT_EQ(command[1], "-P");                    // no working directory in sys.path
    EXPECT_EQ(command[2], "-c");
    EXPECT_NE(command[3].find("sys.version_info[:2] != (3, 11)"), std::string::npos);
    EXPECT_NE(command[3].find("host.main(sys.argv[1:]"), std::string::npos);
    EXPECT_EQ(std::vector<std::string>(command.begin() + 4, command.end()),
              (std::vector<std::string>{"--workers", "2", "app:app"}));
}

TEST(HostLaunch, PassesTheModuleAndPythonThroughTheEnvironment) {
    auto env = environment_of(launch(), {"PATH=/usr/bin", "HOME=/root"});
    EXPECT_TRUE(contains(env, "PATH=/usr/bin"));
    EXPECT_TRUE(contains(env, "HOME=/root"));
    EXPECT_TRUE(contains(env, "STRATA_WSGI_HOST_MODULE=/opt/strata/strata_wsgi_host.so"));
    EXPECT_TRUE(contains(env, "STRATA_WSGI_PYTHON=/srv/venv/bin/python"));
    EXPECT_TRUE(contains(env, "STRATA_WSGI_PYTHONHOME="));
    EXPECT_EQ(count_named(env, "PYTHONHOME"), 0u);
}

TEST(HostLaunch, AHomeBecomesPythonhomeReplacingTheCallersOne) {
    auto env = environment_of(launch("/opt/python"), {"PYTHONHOME=/elsewhere"});
    EXPECT_TRUE(contains(env, "PYTHONHOME=/opt/python"));
    EXPECT_EQ(count_named(env, "PYTHONHOME"), 1u);
    EXPECT_TRUE(contains(env, "STRATA_WSGI_PYTHONHOME=/opt/python"));
}

TEST(HostLaunch, ACallersPythonhomeStaysWhenTheLaunchNamesNone) {
    auto env = environment_of(launch(), {"PYTHONHOME=/elsewhere"});
    EXPECT_TRUE(contains(env, "PYTHONHOME=/elsewhere"));
}

TEST(HostLaunch, ARelaunchReplacesItsOwnVariables) {
    auto env = environment_of(
        launch(), {"STRATA_WSGI_HOST_MODULE=/old.so", "STRATA_WSGI_PYTHON=/usr/bin/python3",
                   "STRATA_WSGI_PYTHONHOME=/x", "STRATA_WSGI_OTHER=kept"});
    EXPECT_EQ(count_named(env, "STRATA_WSGI_HOST_MODULE"), 1u);
    EXPECT_EQ(count_named(env, "STRATA_WSGI_PYTHON"), 1u);
    EXPECT_EQ(count_named(env, "STRATA_WSGI_PYTHONHOME"), 1u);
    EXPECT_TRUE(contains(env, "STRATA_WSGI_OTHER=kept"));
    EXPECT_TRUE(contains(env, "STRATA_WSGI_PYTHON=/srv/venv/bin/python"));
}

TEST(HostLaunch, AnUnreadableModuleIsReportedAndNothingIsRun) {
    HostLaunch l = launch();
    l.module = "/nonexistent/strata_wsgi_host.so";
    EXPECT_EQ(exec_host(l),
              "cannot read strata's Python module /nonexistent/strata_wsgi_host.so: No such "
              "file or directory");
}

TEST(HostLaunch, TheModuleIsLookedForBesideTheExecutable) {
    std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe");
    EXPECT_EQ(host_module_beside_executable(),
              (self.parent_path() / "strata_wsgi_host.cpython-311-x86_64-linux-gnu.so").string());
}

}  // namespace
}  // namespace strata::python
