// gunicorn's server hooks: validation, the objects they are called with (server, cfg, log,
// worker, req, resp), the order at start, the fork protocol with its worker bookkeeping, and
// what an exception in a hook does.
#include "strata/python/hooks.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <memory>
#include <string>
#include <vector>

#include "python_test_support.h"
#include "strata/python/config_file.h"

namespace strata::python::testing {
namespace {

// The hooks record their calls in hooktest_probe.calls, a list the tests read back.
constexpr const char* kRecordingHooks = R"(
import hooktest_probe

def nworkers_changed(server, new_value, old_value):
    hooktest_probe.calls.append(("nworkers_changed", new_value, old_value, server.num_workers))

def on_starting(server):
    hooktest_probe.calls.append(("on_starting", server.pid == __import__("os").getpid()))

def when_ready(server):
    hooktest_probe.calls.append(("when_ready",))

def on_reload(server):
    hooktest_probe.calls.append(("on_reload",))

def on_exit(server):
    hooktest_probe.calls.append(("on_exit",))

def pre_fork(server, worker):
    hooktest_probe.calls.append(("pre_fork", worker.age, worker.pid, worker.ppid == server.pid))

def post_fork(server, worker):
    with open(hooktest_probe.child_report, "w") as report:
        report.write(repr((worker.age, worker.pid == __import__("os").getpid(),
                           worker.ppid == server.pid, str(worker))))

def child_exit(server, worker):
    hooktest_probe.calls.append(("child_exit", worker.age, worker.pid, dict(server.WORKERS)))
)";

class HooksTest : public ::testing::Test {
  protected:
    void SetUp() override {
        write_module("hooktest_probe", "calls = []\nchild_report = ''\n");
        ASSERT_EQ(py_exec("import importlib, hooktest_probe\nimportlib.reload(hooktest_probe)\n"),
                  "");
    }

    // ServerHooks from a config file's source, prepared with its settings.
    std::shared_ptr<ServerHooks> hooks_from(const std::string& source) {
        write_file(module_dir() / "hooktest_conf.py", source);
        auto base = WsgiSettings::defaults({});
        EXPECT_TRUE(base.ok());
        auto loaded = load_config_file((module_dir() / "hooktest_conf.py").string(), *base);
        if (!loaded) {
            ADD_FAILURE() << loaded.error();
            return nullptr;
        }
        settings_ = loaded->settings;
        auto prepared = loaded->hooks->prepare(settings_, "app:app");
        EXPECT_TRUE(prepared.ok()) << (prepared ? "" : prepared.error());
        return loaded->hooks;
    }

    WsgiSettings settings_;
};

TEST(Hooks, NamesAndArities) {
    EXPECT_EQ(find_hook("on_starting"), HookKind::on_starting);
    EXPECT_EQ(find_hook("nworkers_changed"), HookKind::nworkers_changed);
    EXPECT_EQ(find_hook("workers"), std::nullopt);
    EXPECT_EQ(hook_name(HookKind::post_worker_init), "post_worker_init");
    EXPECT_EQ(hook_arity(HookKind::on_exit), 1);
    EXPECT_EQ(hook_arity(HookKind::pre_fork), 2);
    EXPECT_EQ(hook_arity(HookKind::worker_exit), 2);
    EXPECT_EQ(hook_arity(HookKind::nworkers_changed), 3);
    EXPECT_EQ(hook_arity(HookKind::post_request), 4);
    // Every hook is one of gunicorn's settings.
    for (unsigned i = 0; i < kHookCount; ++i) {
        std::string_view name = hook_name(static_cast<HookKind>(i));
        EXPECT_NE(find_setting(name), nullptr) << name;
        EXPECT_EQ(find_hook(name), static_cast<HookKind>(i));
    }
}

TEST(Hooks, SetChecksTheValueAsGunicorn) {
    ServerHooks hooks;
    GilGuard gil;
    PyObject* globals = PyModule_GetDict(PyImport_AddModule("__main__"));
    auto value = [&](const char* expression) {
        return PyRef(PyRun_String(expression, Py_eval_input, globals, globals));
    };
    PyRef one = value("lambda server: None");
    EXPECT_TRUE(hooks.set(HookKind::on_starting, one.get()).ok());
    EXPECT_TRUE(hooks.is_set(HookKind::on_starting));
    auto wrong = hooks.set(HookKind::pre_fork, one.get());
    ASSERT_FALSE(wrong.ok());
    EXPECT_EQ(wrong.error(), "Value must have an arity of: 2");
    EXPECT_FALSE(hooks.is_set(HookKind::pre_fork));
    PyRef path = value("'os.path.join'");  // join(a, *p): one positional parameter
    EXPECT_TRUE(hooks.set(HookKind::on_exit, path.get()).ok());
    PyRef text = value("'x'");
    EXPECT_EQ(hooks.set(HookKind::on_exit, text.get()).error(),
              "Value 'x' is not import string. Format: module[.submodules...].object");
}

TEST_F(HooksTest, OnStartingReportsTheWorkerCountFirstAsGunicornsArbiter) {
    auto hooks = hooks_from(std::string(kRecordingHooks) + "workers = 2\n");
    ASSERT_TRUE(hooks);
    EXPECT_TRUE(hooks->on_starting());
    hooks->nworkers_changed(2, 0);  // the master's own first report: already made
    EXPECT_TRUE(hooks->when_ready());
    hooks->nworkers_changed(3, 2);  // TTIN
    hooks->on_reload();
    hooks->on_exit();
    EXPECT_EQ(py_eval("hooktest_probe.calls"),
              "[('nworkers_changed', 2, None, 2), ('on_starting', True), ('when_ready',), "
              "('nworkers_changed', 3, 2, 3), ('on_reload',), ('on_exit',)]");
}

TEST_F(HooksTest, WithoutOnStartingTheMastersFirstCountHasNoOldValue) {
    auto hooks = hooks_from(
        "import hooktest_probe\n"
        "def nworkers_changed(server, new, old):\n"
        "    hooktest_probe.calls.append((new, old))\n");
    ASSERT_TRUE(hooks);
    hooks->nworkers_changed(1, 0);
    hooks->nworkers_changed(2, 1);
    EXPECT_EQ(py_eval("hooktest_probe.calls"), "[(1, None), (2, 1)]");
}

TEST_F(HooksTest, ServerCfgShowsTheFinalSettings) {
    auto hooks = hooks_from(
        "import hooktest_probe\n"
        "workers = 3\n"
        "bind = ['127.0.0.1:9001', 'unix:/tmp/hooks.sock']\n"
        "raw_env = ['K=V']\n"
        "secure_scheme_headers = {'X-SCHEME': 'https'}\n"
        "logconfig_dict = {'version': 1}\n"
        "def on_starting(server):\n"
        "    cfg = server.cfg\n"
        "    hooktest_probe.calls.extend([cfg.workers, cfg.bind, cfg.address, cfg.env,\n"
        "        cfg.secure_scheme_headers, cfg.logconfig_dict, cfg.timeout, cfg.preload_app,\n"
        "        cfg.proc_name, cfg.settings['workers'].value, cfg.on_starting is on_starting,\n"
        "        callable(cfg.pre_fork), cfg.worker_class_str, cfg.uid == cfg.user,\n"
        "        server.app.app_uri, server.log is not None])\n"
        "    try:\n"
        "        cfg.nonsense\n"
        "    except AttributeError as e:\n"
        "        hooktest_probe.calls.append(str(e))\n"
        "    try:\n"
        "        cfg.workers = 1\n"
        "    except AttributeError as e:\n"
        "        hooktest_probe.calls.append(str(e))\n");
    ASSERT_TRUE(hooks);
    EXPECT_TRUE(hooks->on_starting());
    EXPECT_EQ(py_eval("hooktest_probe.calls"),
              "[3, ['127.0.0.1:9001', 'unix:/tmp/hooks.sock'], [('127.0.0.1', 9001), "
              "'/tmp/hooks.sock'], {'K': 'V'}, {'X-SCHEME': 'https'}, {'version': 1}, 30, False, "
              "'gunicorn', 3, True, True, 'sync', True, 'app:app', True, "
              "'No configuration setting for: nonsense', 'Invalid access!']");
}

TEST_F(HooksTest, LogWritesToTheErrorLog) {
    auto hooks = hooks_from(
        "def on_starting(server):\n"
        "    server.log.info('starting %s of %d', 'one', 2)\n"
        "    server.log.debug('hidden below info')\n"
        "    server.log.warning('careful')\n"
        "    server.log.log('error', 'by name')\n"
        "    try:\n"
        "        {}['missing']\n"
        "    except KeyError:\n"
        "        server.log.exception('caught')\n");
    ASSERT_TRUE(hooks);
    log::set_level(log::Level::info);
    LogCapture capture;
    EXPECT_TRUE(hooks->on_starting());
    log::set_level(log::Level::error);
    std::string text = capture.text();
    EXPECT_NE(text.find("starting one of 2"), std::string::npos) << text;
    EXPECT_EQ(text.find("hidden below info"), std::string::npos) << text;
    EXPECT_NE(text.find("careful"), std::string::npos) << text;
    EXPECT_NE(text.find("by name"), std::string::npos) << text;
    EXPECT_NE(text.find("caught\nTraceback (most recent call last):"), std::string::npos) << text;
    EXPECT_NE(text.find("KeyError: 'missing'"), std::string::npos) << text;
}

TEST_F(HooksTest, AnExceptionIsLoggedWithItsTracebackAndReported) {
    auto hooks = hooks_from(
        "def on_starting(server):\n"
        "    raise ValueError('cannot start')\n"
        "def on_reload(server):\n"
        "    raise ValueError('cannot reload')\n");
    ASSERT_TRUE(hooks);
    LogCapture capture;
    EXPECT_FALSE(hooks->on_starting());
    hooks->on_reload();  // logged; the master carries on
    std::string text = capture.text();
    EXPECT_NE(text.find("Exception in on_starting hook\nTraceback (most recent call last):"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("ValueError: cannot start"), std::string::npos) << text;
    EXPECT_NE(text.find("Exception in on_reload hook"), std::string::npos) << text;
    EXPECT_EQ(py_eval("1 + 1"), "2");  // no exception left pending
}

TEST(Hooks, WithoutAnyHookNothingIsCalledButForksStillWork) {
    ServerHooks hooks;
    auto base = WsgiSettings::defaults({});
    ASSERT_TRUE(base.ok());
    ASSERT_TRUE(hooks.prepare(*base, "app:app").ok());
    EXPECT_EQ(hooks.pre_request_adapter(), nullptr);
    EXPECT_TRUE(hooks.on_starting());
    hooks.pre_fork();
    pid_t pid = ::fork();
    if (pid == 0) {
        bool ok = hooks.post_fork() && py_eval("2 * 21") == "42";
        ::_exit(ok ? 0 : 1);
    }
    hooks.after_fork_in_parent();
    ASSERT_GT(pid, 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    EXPECT_EQ(py_eval("1 + 1"), "2");
}

TEST_F(HooksTest, ForkedWorkersAreTrackedByPidAndAge) {
    auto hooks = hooks_from(kRecordingHooks);
    ASSERT_TRUE(hooks);
    fs::path report = module_dir() / "post_fork_report.txt";
    fs::remove(report);
    ASSERT_EQ(py_exec("hooktest_probe.child_report = '" + report.string() + "'\n"), "");
    EXPECT_TRUE(hooks->on_starting());

    hooks->pre_fork();
    pid_t pid = ::fork();
    if (pid == 0) {
        ::_exit(hooks->post_fork() ? 0 : 1);
    }
    hooks->after_fork_in_parent();
    ASSERT_GT(pid, 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    EXPECT_EQ(read_file(report), "(1, True, True, '<Worker " + std::to_string(pid) + ">')");
    EXPECT_EQ(py_eval("len(hooktest_probe.calls[-1]) == 4 and hooktest_probe.calls[-1][:3]"),
              "('pre_fork', 1, '[booting]')");

    hooks->child_exit(pid, status);
    EXPECT_EQ(py_eval("hooktest_probe.calls[-1]"),
              "('child_exit', 1, " + std::to_string(pid) + ", {})");
    hooks->child_exit(pid + 100000, 0);  // not one of its workers: no call, as gunicorn
    EXPECT_EQ(py_eval("hooktest_probe.calls[-1][0]"), "'child_exit'");
    EXPECT_EQ(py_eval("len(hooktest_probe.calls)"), "4");  // nworkers, on_starting, pre_fork, exit

    hooks->pre_fork();  // the next worker is one older
    pid_t second = ::fork();
    if (second == 0) ::_exit(hooks->post_fork() ? 0 : 1);
    hooks->after_fork_in_parent();
    ASSERT_EQ(::waitpid(second, &status, 0), second);
    EXPECT_EQ(py_eval("hooktest_probe.calls[-1][1]"), "2");
}

// USR2: pre_exec(server) runs in the forked child, where Python works after the fork
// protocol; a raising hook reports false, so the child does not exec.
TEST_F(HooksTest, PreExecRunsInTheForkedChild) {
    fs::path report = module_dir() / "pre_exec_report.txt";
    fs::remove(report);
    std::string source =
        "import os\n"
        "def pre_exec(server):\n"
        "    with open(REPORT, 'w') as out:\n"
        "        out.write(repr((server.pid == os.getppid(), os.getpid() != server.pid,\n"
        "                        server.cfg.workers)))\n"
        "    if os.environ.get('PRE_EXEC_RAISES'):\n"
        "        raise RuntimeError('no exec today')\n";
    auto hooks = hooks_from("REPORT = '" + report.string() + "'\n" + source);
    ASSERT_TRUE(hooks);
    EXPECT_TRUE(hooks->when_ready());  // server.pid is the master's from here on
    for (bool raises : {false, true}) {
        if (raises) {
            ASSERT_EQ(py_exec("import os\nos.environ['PRE_EXEC_RAISES'] = '1'\n"), "");
        }
        hooks->before_exec_fork();
        pid_t pid = ::fork();
        if (pid == 0) ::_exit(hooks->pre_exec() ? 0 : 1);
        hooks->after_exec_fork_in_parent();
        ASSERT_GT(pid, 0);
        int status = 0;
        ASSERT_EQ(::waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFEXITED(status)) << status;
        EXPECT_EQ(WEXITSTATUS(status), raises ? 1 : 0);
        EXPECT_EQ(read_file(report), "(True, True, 1)");
    }
    ASSERT_EQ(py_exec("import os\ndel os.environ['PRE_EXEC_RAISES']\n"), "");
    EXPECT_EQ(py_eval("1 + 1"), "2");  // the master's interpreter is fine after both forks
}

TEST_F(HooksTest, RequestHooksSeeGunicornsReqAndResp) {
    auto hooks = hooks_from(
        "import hooktest_probe\n"
        "def pre_request(worker, req):\n"
        "    hooktest_probe.calls.append(('pre', worker, req.method, req.uri, req.path, "
        "req.query,\n"
        "                              req.version, req.headers, req.peer_addr))\n"
        "    hooktest_probe.req = req\n"
        "def post_request(worker, req, environ, resp):\n"
        "    hooktest_probe.calls.append(('post', req is hooktest_probe.req, "
        "environ['PATH_INFO'],\n"
        "                              environ.get('seen'), resp.status, resp.status_code,\n"
        "                              resp.headers, resp.sent))\n");
    ASSERT_TRUE(hooks);
    ASSERT_NE(hooks->pre_request_adapter(), nullptr);
    ASSERT_NE(hooks->post_request_adapter(), nullptr);
    write_module("hooktest_app",
                 "def app(environ, start_response):\n"
                 "    environ['seen'] = 'yes'\n"
                 "    start_response('201 Created', [('X-A', 'b')])\n"
                 "    return [b'hello', b' world']\n");
    WsgiOptions options;
    options.pre_request = hooks->pre_request_adapter();
    options.post_request = hooks->post_request_adapter();
    std::shared_ptr<gateway::App> app = hooks->observe(load("hooktest_app:app", options));
    ASSERT_TRUE(app);
    RequestSpec spec;
    spec.method = "POST";
    spec.target = "/path/x?a=1&b=2";
    spec.headers = {{"Content-Type", "text/plain"}, {"x-lower", "v"}};
    spec.body = "abc";
    Outcome outcome = run(*app, spec);
    EXPECT_EQ(outcome.body, "hello world");
    // worker is None here: the worker object is made by pre_fork and post_fork.
    EXPECT_EQ(py_eval("hooktest_probe.calls"),
              "[('pre', None, 'POST', '/path/x?a=1&b=2', '/path/x', 'a=1&b=2', (1, 1), "
              "[('CONTENT-TYPE', 'text/plain'), ('X-LOWER', 'v')], ('127.0.0.1', 51234)), "
              "('post', True, '/path/x', 'yes', '201 Created', 201, [('X-A', 'b')], 11)]");
}

TEST_F(HooksTest, PostRequestWithFewerParametersAndAfterAFailedApp) {
    auto hooks = hooks_from(
        "import hooktest_probe\n"
        "def post_request(worker, req):\n"
        "    hooktest_probe.calls.append(('post', req.path))\n");
    ASSERT_TRUE(hooks);
    write_module("hooktest_failing_app",
                 "def app(environ, start_response):\n"
                 "    raise RuntimeError('app fails')\n");
    WsgiOptions options;
    options.pre_request = hooks->pre_request_adapter();
    options.post_request = hooks->post_request_adapter();
    std::shared_ptr<gateway::App> app = hooks->observe(load("hooktest_failing_app:app", options));
    ASSERT_TRUE(app);
    LogCapture capture;
    RequestSpec spec;
    spec.target = "/fails";
    Outcome outcome = run(*app, spec);
    EXPECT_FALSE(outcome.returned);
    EXPECT_EQ(py_eval("hooktest_probe.calls"), "[('post', '/fails')]");
}

TEST_F(HooksTest, ARaisingPreRequestFailsTheRequestAndPostRequestStillRuns) {
    auto hooks = hooks_from(
        "import hooktest_probe\n"
        "def pre_request(worker, req):\n"
        "    raise RuntimeError('refused')\n"
        "def post_request(worker, req, environ, resp):\n"
        "    hooktest_probe.calls.append(('post', req.path, resp.status, resp.sent))\n");
    ASSERT_TRUE(hooks);
    WsgiOptions options;
    options.pre_request = hooks->pre_request_adapter();
    options.post_request = hooks->post_request_adapter();
    write_module("hooktest_plain_app",
                 "def app(environ, start_response):\n"
                 "    start_response('200 OK', [])\n"
                 "    return [b'x']\n");
    std::shared_ptr<gateway::App> app = hooks->observe(load("hooktest_plain_app:app", options));
    ASSERT_TRUE(app);
    LogCapture capture;
    Outcome outcome = run(*app, RequestSpec{});
    EXPECT_FALSE(outcome.returned);
    EXPECT_NE(capture.text().find("RuntimeError: refused"), std::string::npos);
    EXPECT_EQ(py_eval("hooktest_probe.calls"), "[('post', '/', None, 0)]");
}

}  // namespace
}  // namespace strata::python::testing
