"""gunicorn's config file and server hooks under `strata wsgi`.

Every test runs against strata and against Debian's gunicorn 20.1 (the `serve` fixture), so
the expectations written here are what gunicorn does. The hooks append one JSON line per
call to a file; pids are replaced by roles ("master", or the worker's age) before comparing.
"""
import json
import re
import signal
import subprocess
import time

import pytest
import requests

from wsgi_servers import HOOK_RECORDER, serve, wsgi_server_class  # noqa: F401  (fixtures)

APP = """\
import os

def app(environ, start_response):
    environ["app.seen"] = True
    body = ("%s %s %s" % (environ["REQUEST_METHOD"], environ["PATH_INFO"],
                          os.environ.get("FROM_CONFIG", "-"))).encode()
    if environ["PATH_INFO"] == "/missing":
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("X-App", "1")])
    else:
        start_response("200 OK", [("Content-Type", "text/plain"), ("X-App", "1")])
    return [body]
"""

def recording_config(workers=2, request_hooks=True):
    """A config file whose hooks each append a JSON line with the arguments hooks commonly
    read."""
    config = RECORDING_HOOKS.replace("WORKERS", str(workers))
    return config + REQUEST_HOOKS if request_hooks else config


RECORDING_HOOKS = HOOK_RECORDER + """
workers = WORKERS
bind = "127.0.0.1:1"  # the command line's --bind wins


def on_starting(server):
    record("on_starting", workers=server.cfg.workers, bind=server.cfg.bind,
           config=os.path.basename(server.cfg.config))

def when_ready(server):
    record("when_ready", server_pid=server.pid)

def nworkers_changed(server, new_value, old_value):
    record("nworkers_changed", new=new_value, old=old_value, num_workers=server.num_workers)

def pre_fork(server, worker):
    record("pre_fork", age=worker.age, worker_pid=worker.pid, ppid=worker.ppid)

def post_fork(server, worker):
    record("post_fork", age=worker.age, worker_pid=worker.pid, ppid=worker.ppid,
           server_pid=server.pid)

def post_worker_init(worker):
    record("post_worker_init", age=worker.age, alive=worker.alive)
    worker.log.info("post_worker_init of worker %s", worker.age)

def on_reload(server):
    record("on_reload")

def worker_int(worker):
    record("worker_int", age=worker.age, alive=worker.alive)

def worker_abort(worker):
    record("worker_abort", age=worker.age, alive=worker.alive)

def worker_exit(server, worker):
    record("worker_exit", age=worker.age, worker_pid=worker.pid, alive=worker.alive)

def child_exit(server, worker):
    record("child_exit", age=worker.age, worker_pid=worker.pid)

def on_exit(server):
    record("on_exit")
"""

REQUEST_HOOKS = """
def pre_request(worker, req):
    record("pre_request", age=worker.age, method=req.method, uri=req.uri, path=req.path,
           query=req.query, version=list(req.version), headers=req.headers)

def post_request(worker, req, environ, resp):
    record("post_request", age=worker.age, method=req.method, path=req.path,
           path_info=environ["PATH_INFO"], seen=environ.get("app.seen", False),
           status=resp.status, headers=resp.headers, sent=resp.sent)
"""

class HookLog:
    """The JSON lines the hooks wrote, with pids replaced by roles."""

    def __init__(self, path, master_pid):
        self.path = path
        self.master_pid = master_pid

    def raw(self):
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines() if line]

    def wait_for(self, predicate, what, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self.raw()):
                return
            time.sleep(0.05)
        pytest.fail(f"timed out waiting for {what}: {self.raw()}")

    def wait_count(self, hook, count, timeout=20):
        self.wait_for(lambda records: sum(r["hook"] == hook for r in records) >= count,
                      f"{count} x {hook}", timeout)

    def records(self):
        """Each record with its pid fields normalised: "master", or "worker <age>"."""
        records = self.raw()
        ages = {r["pid"]: r["age"] for r in records if r["hook"] == "post_fork"}

        def role(pid):
            if pid == self.master_pid:
                return "master"
            if pid in ages:
                return f"worker {ages[pid]}"
            return pid

        for r in records:
            for key in ("pid", "worker_pid", "ppid", "server_pid"):
                if key in r:
                    r[key] = role(r[key])
        return records

    def master_calls(self):
        """The master's calls in order; each run of child_exit calls (reaped in whatever
        order the workers happened to exit) sorted by age."""
        calls = [r for r in self.records() if r.pop("pid") == "master"]
        ordered = []
        for call in calls:
            ordered.append(call)
            at = len(ordered) - 1
            while at > 0 and call["hook"] == "child_exit" == ordered[at - 1]["hook"] and \
                    ordered[at - 1]["age"] > call["age"]:
                ordered[at - 1], ordered[at] = ordered[at], ordered[at - 1]
                at -= 1
        return ordered

    def worker_calls(self, age):
        return [r for r in self.records() if r.pop("pid") == f"worker {age}"]


def start_recording(serve, *args, config=None, source=APP):  # noqa: F811
    config = config if config is not None else recording_config()
    server = serve(source, "app:app", *args, files={"gunicorn.conf.py": config})
    return server, HookLog(server.dir / "hooks.jsonl", server.proc.pid)


def finish(server, signo=signal.SIGTERM, timeout=30):
    server.signal(signo)
    try:
        return server.proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{server.name} did not stop: {server.log()}")


def without_requests(calls):
    return [c for c in calls if c["hook"] not in ("pre_request", "post_request")]


def test_hooks_through_start_requests_ttin_hup_and_term(serve):  # noqa: F811
    server, hooks = start_recording(serve)
    hooks.wait_count("post_worker_init", 2)

    first = requests.get(f"{server.url}/hello?x=1", headers={"X-Test": "yes"}, timeout=10)
    assert first.status_code == 200
    second = requests.post(f"{server.url}/missing", data=b"abc", timeout=10)
    assert second.status_code == 404
    hooks.wait_count("post_request", 2)

    server.signal(signal.SIGTTIN)
    hooks.wait_count("post_worker_init", 3)
    server.signal(signal.SIGHUP)
    hooks.wait_count("post_worker_init", 5)
    hooks.wait_count("child_exit", 3)
    assert finish(server) == 0

    bind = [f"127.0.0.1:{server.port}"]
    booting = {"worker_pid": "[booting]", "ppid": "master"}
    assert hooks.master_calls() == [
        {"hook": "nworkers_changed", "new": 2, "old": None, "num_workers": 2},
        {"hook": "on_starting", "workers": 2, "bind": bind, "config": "gunicorn.conf.py"},
        {"hook": "when_ready", "server_pid": "master"},
        {"hook": "pre_fork", "age": 1, **booting},
        {"hook": "pre_fork", "age": 2, **booting},
        # TTIN
        {"hook": "nworkers_changed", "new": 3, "old": 2, "num_workers": 3},
        {"hook": "pre_fork", "age": 3, **booting},
        # HUP: the configured count again, then new workers, then the old ones leave
        {"hook": "nworkers_changed", "new": 2, "old": 3, "num_workers": 2},
        {"hook": "on_reload"},
        {"hook": "pre_fork", "age": 4, **booting},
        {"hook": "pre_fork", "age": 5, **booting},
        {"hook": "child_exit", "age": 1, "worker_pid": "worker 1"},
        {"hook": "child_exit", "age": 2, "worker_pid": "worker 2"},
        {"hook": "child_exit", "age": 3, "worker_pid": "worker 3"},
        # TERM
        {"hook": "child_exit", "age": 4, "worker_pid": "worker 4"},
        {"hook": "child_exit", "age": 5, "worker_pid": "worker 5"},
        {"hook": "on_exit"},
    ]

    for age in range(1, 6):
        worker = f"worker {age}"
        assert without_requests(hooks.worker_calls(age)) == [
            {"hook": "post_fork", "age": age, "worker_pid": worker, "ppid": "master",
             "server_pid": "master"},
            {"hook": "post_worker_init", "age": age, "alive": True},
            {"hook": "worker_exit", "age": age, "worker_pid": worker, "alive": False},
        ], age

    request_calls = [r for r in hooks.records() if r["hook"] in ("pre_request", "post_request")]
    for r in request_calls:
        assert r.pop("pid") == f"worker {r.pop('age')}"
    # post_request runs after the response is sent, so the second request's
    # pre_request (maybe in the other worker) can be recorded before it:
    # order the calls per request, then by hook.
    for method in ("GET", "POST"):
        hooks_in_order = [r["hook"] for r in request_calls if r["method"] == method]
        assert hooks_in_order == ["pre_request", "post_request"], method
    request_calls.sort(key=lambda r: (r["method"] != "GET", r["hook"] != "pre_request"))
    sent_headers = [h for h in request_calls[0]["headers"]]
    assert [name for name, _ in sent_headers] == [
        "HOST", "USER-AGENT", "ACCEPT-ENCODING", "ACCEPT", "CONNECTION", "X-TEST"]
    assert request_calls == [
        {"hook": "pre_request", "method": "GET", "uri": "/hello?x=1", "path": "/hello",
         "query": "x=1", "version": [1, 1], "headers": sent_headers},
        {"hook": "post_request", "method": "GET", "path": "/hello", "path_info": "/hello",
         "seen": True, "status": "200 OK", "headers": [["Content-Type", "text/plain"],
                                                      ["X-App", "1"]], "sent": 12},
        {"hook": "pre_request", "method": "POST", "uri": "/missing", "path": "/missing",
         "query": "", "version": [1, 1], "headers": request_calls[2]["headers"]},
        {"hook": "post_request", "method": "POST", "path": "/missing", "path_info": "/missing",
         "seen": True, "status": "404 Not Found",
         "headers": [["Content-Type", "text/plain"], ["X-App", "1"]], "sent": 15},
    ]
    assert ["CONTENT-LENGTH", "3"] in request_calls[2]["headers"]
    # worker.log goes to the error log
    assert "post_worker_init of worker 1" in server.log()


def test_worker_int_on_a_fast_stop(serve):  # noqa: F811
    server, hooks = start_recording(serve, config=recording_config(workers=1))
    hooks.wait_count("post_worker_init", 1)
    assert finish(server, signal.SIGINT) == 0

    assert hooks.worker_calls(1) == [
        {"hook": "post_fork", "age": 1, "worker_pid": "worker 1", "ppid": "master",
         "server_pid": "master"},
        {"hook": "post_worker_init", "age": 1, "alive": True},
        {"hook": "worker_int", "age": 1, "alive": False},
        {"hook": "worker_exit", "age": 1, "worker_pid": "worker 1", "alive": False},
    ]
    assert [c["hook"] for c in hooks.master_calls()][-2:] == ["child_exit", "on_exit"]


SLOW_APP = """\
import time

def app(environ, start_response):
    if environ["PATH_INFO"] == "/slow":
        time.sleep(30)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
"""


def test_worker_abort_after_the_timeout(serve):  # noqa: F811
    # No request hooks here: gunicorn's sync worker still runs post_request for the aborted
    # request (SystemExit unwinds through it); strata abandons the app thread's call.
    server, hooks = start_recording(serve, "--timeout", "1", source=SLOW_APP,
                                    config=recording_config(workers=1, request_hooks=False))
    hooks.wait_count("post_worker_init", 1)
    with pytest.raises(requests.RequestException):
        requests.get(f"{server.url}/slow", timeout=20)
    hooks.wait_count("post_worker_init", 2)  # the replacement
    assert finish(server) == 0

    assert hooks.worker_calls(1) == [
        {"hook": "post_fork", "age": 1, "worker_pid": "worker 1", "ppid": "master",
         "server_pid": "master"},
        {"hook": "post_worker_init", "age": 1, "alive": True},
        {"hook": "worker_abort", "age": 1, "alive": False},
        {"hook": "worker_exit", "age": 1, "worker_pid": "worker 1", "alive": False},
    ]
    hooks_in_order = [c["hook"] for c in hooks.master_calls()]
    assert hooks_in_order == ["nworkers_changed", "on_starting", "when_ready", "pre_fork",
                              "child_exit", "pre_fork", "child_exit", "on_exit"]


def run_to_exit(serve, config, *args, app="app:app", source=APP, timeout=30):  # noqa: F811
    server = serve(source, app, *args, files={"gunicorn.conf.py": config}, wait=False)
    try:
        out, err = server.proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        pytest.fail(f"{server.name} kept running")
    return server, server.proc.returncode, err


def test_on_starting_raising_stops_the_start(serve):  # noqa: F811
    config = "def on_starting(server):\n    raise ZeroDivisionError('no start')\n"
    server, status, err = run_to_exit(serve, config)
    assert status == 1
    # gunicorn: an uncaught traceback on stderr; strata: logged with it (the error log).
    assert "ZeroDivisionError: no start" in err + server.log()


def test_post_fork_raising_means_the_worker_failed_to_boot(serve):  # noqa: F811
    config = "def post_fork(server, worker):\n    raise ValueError('no boot')\n"
    server, status, err = run_to_exit(serve, config)
    assert status == 3
    log = server.log()
    assert "ValueError: no boot" in log
    assert "Worker failed to boot." in log


@pytest.mark.parametrize("config, expected", [
    ("workers = -1\n",
     "Invalid value for workers: -1\n\n\nError: Value must be positive: -1\n"),
    ("on_starting = 'nomodule.function'\n",
     "Invalid value for on_starting: nomodule.function\n\n\nError: No module named 'nomodule'\n"),
    ("on_starting = 'os.nofunction'\n",
     "Invalid value for on_starting: os.nofunction\n\n\nError: Can not load 'nofunction' from 'os'\n"),
    ("on_starting = 'nodots'\n",
     "Invalid value for on_starting: nodots\n\n\nError: Value 'nodots' is not import string. "
     "Format: module[.submodules...].object\n"),
    ("on_starting = 5\n",
     "Invalid value for on_starting: 5\n\n\nError: Value is not callable: 5\n"),
    ("def pre_fork(server):\n    pass\n",
     "Invalid value for pre_fork: <function pre_fork at ADDRESS>\n\n\n"
     "Error: Value must have an arity of: 2\n"),
    ("def post_request(worker):\n    pass\n",
     "Invalid value for post_request: <function post_request at ADDRESS>\n\n\n"
     "Error: Value must have an arity of: 4\n"),
], ids=["bad-value", "no-module", "no-attribute", "not-import-string", "not-callable",
        "arity", "post-request-arity"])
def test_config_file_errors(serve, config, expected):  # noqa: F811
    server, status, err = run_to_exit(serve, config)
    assert status == 1
    assert re.sub(r"0x[0-9a-f]+", "ADDRESS", err) == expected


def test_config_file_that_raises(serve):  # noqa: F811
    server, status, err = run_to_exit(serve, "import os\nx = 1 / 0\n")
    assert status == 1
    assert err.startswith(f"Failed to read config file: {server.dir}/gunicorn.conf.py\n"
                          "Traceback (most recent call last):\n")
    assert err.endswith("ZeroDivisionError: division by zero\n")


def test_missing_config_file(serve):  # noqa: F811
    server, status, err = run_to_exit(serve, "", "-c", "missing.py")
    assert (status, err) == (1, "\nError: 'missing.py' doesn't exist\n")


def test_missing_config_module(serve):  # noqa: F811
    server, status, err = run_to_exit(serve, "", "-c", "python:no_such_config")
    assert (status, err) == (1, "\nError: No module named 'no_such_config'\n")


def test_config_file_without_a_python_extension(serve, tmp_path):  # noqa: F811
    (tmp_path / "settings.conf").write_text("workers = 'x'\n")
    server, status, err = run_to_exit(serve, "", "-c", "settings.conf")
    assert status == 1
    assert err == ("!!!\n!!! WARNING: configuration file should have a valid Python extension.\n"
                   "!!!\n\nInvalid value for workers: x\n\n\n"
                   "Error: invalid literal for int() with base 0: 'x'\n")


PRECEDENCE_CONFIG = """\
import json, os

workers = 3
bind = ["127.0.0.1:1"]
raw_env = ["FROM_CONFIG=yes"]
proc_name = "from-config"
on_starting = "hookmodule.on_starting"
config_file = __file__
"""

HOOK_MODULE = """\
import json, os

def on_starting(server):
    cfg = server.cfg
    with open("precedence.json", "w") as f:
        json.dump({"workers": cfg.workers, "bind": cfg.bind, "proc_name": cfg.proc_name,
                   "raw_env": cfg.raw_env, "timeout": cfg.timeout,
                   "config_module": __import__("sys").modules["__config__"].config_file}, f)
"""


def test_precedence_command_line_over_environment_over_file(serve, tmp_path):  # noqa: F811
    """defaults < config file < GUNICORN_CMD_ARGS < command line; hooks by import string."""
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "settings.py").write_text(PRECEDENCE_CONFIG)
    (tmp_path / "hookmodule.py").write_text(HOOK_MODULE)
    server = serve(APP, "app:app", "-c", "conf/settings.py", "--timeout", "7",
                   env={"GUNICORN_CMD_ARGS": "--workers 1 --timeout 9"})
    assert requests.get(server.url + "/x", timeout=10).text == "GET /x yes"
    seen = json.loads((tmp_path / "precedence.json").read_text())
    assert seen == {"workers": 1, "bind": [f"127.0.0.1:{server.port}"],
                    "proc_name": "from-config", "raw_env": ["FROM_CONFIG=yes"], "timeout": 7,
                    "config_module": str(tmp_path / "conf" / "settings.py")}


def without_app_argument(server_class):
    """The server class, started with no APP_MODULE: the config file's wsgi_app names it."""
    class Server(server_class):
        def command(self, app, *args):
            return super().command(app, *args)[:-1]
    return Server


def test_wsgi_app_and_python_module_config(wsgi_server_class, tmp_path):  # noqa: F811
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "myconfig.py").write_text('wsgi_app = "app:app"\nraw_env = ["FROM_CONFIG=mod"]\n')
    server = without_app_argument(wsgi_server_class)(tmp_path, "unused", "-c", "python:myconfig")
    try:
        assert requests.get(server.url + "/y", timeout=10).text == "GET /y mod"
    finally:
        server.stop()


FAILING_REQUEST_HOOKS = """\
import json, os

def record(**fields):
    with open("requests.jsonl", "a") as f:
        f.write(json.dumps(fields) + "\\n")

def pre_request(worker, req):
    if req.path == "/refused":
        raise RuntimeError("pre_request refuses")

def post_request(worker, req, environ, resp):
    record(path=req.path, status=resp.status if resp is not None else None)
    if req.path == "/post-fails":
        raise RuntimeError("post_request fails")

def worker_exit(server, worker):
    raise RuntimeError("worker_exit fails")
"""


def test_exceptions_in_request_hooks_and_worker_exit(serve, tmp_path):  # noqa: F811
    server = serve(APP, "app:app", "--workers", "1",
                   files={"gunicorn.conf.py": FAILING_REQUEST_HOOKS})
    assert requests.get(server.url + "/refused", timeout=10).status_code == 500
    after_post_failure = requests.get(server.url + "/post-fails", timeout=10)
    assert (after_post_failure.status_code, after_post_failure.text) == (200, "GET /post-fails -")
    assert finish(server) == 0
    calls = [json.loads(line) for line in (tmp_path / "requests.jsonl").read_text().splitlines()]
    # post_request runs after a failed pre_request too (gunicorn: with resp None; strata: with
    # a response not started).
    assert calls == [{"path": "/refused", "status": None},
                     {"path": "/post-fails", "status": "200 OK"}]
    log = server.log()
    assert "RuntimeError: pre_request refuses" in log
    assert "RuntimeError: post_request fails" in log
    assert "Exception during worker exit:" in log
    assert "RuntimeError: worker_exit fails" in log


def test_on_reload_raising(serve):  # noqa: F811
    config = "def on_reload(server):\n    raise RuntimeError('reload hook fails')\n"
    server = serve(APP, "app:app", files={"gunicorn.conf.py": config})
    server.signal(signal.SIGHUP)
    assert server.wait_for_log("RuntimeError: reload hook fails")
    if server.name == "gunicorn":
        # gunicorn: "Unhandled exception in main loop", the workers are stopped, exit -1.
        assert server.proc.wait(timeout=30) == 255
        return
    # strata deliberately differs: a hook that raises while the server runs (on_reload,
    # pre_fork, child_exit, nworkers_changed) is logged and the server keeps serving.
    time.sleep(0.5)
    assert requests.get(server.url + "/still", timeout=10).status_code == 200
    assert finish(server) == 0


def test_hooks_with_a_preloaded_app(serve):  # noqa: F811
    server, hooks = start_recording(serve, "--preload", config=recording_config(workers=1))
    hooks.wait_count("post_worker_init", 1)
    assert requests.get(f"{server.url}/pre?loaded=1", timeout=10).status_code == 200
    hooks.wait_count("post_request", 1)
    assert finish(server) == 0
    assert [(c["hook"], c.get("age")) for c in hooks.worker_calls(1)] == [
        ("post_fork", 1), ("post_worker_init", 1), ("pre_request", 1), ("post_request", 1),
        ("worker_exit", 1)]
