"""`wsgi_config`: a gunicorn.conf.py for the apps of an nginx configuration. Its hooks
are called at gunicorn's moments (recorded to a file by a real config file), its app
settings apply under the explicit wsgi_* directives, the settings the nginx
configuration decides are named in one warning, and a bad file fails `strata -t`, the
start and a reload as a bad directive would."""
import json
import os
import signal
import subprocess
import threading

import pytest
import requests

from conftest import STRATA_BIN, Strata
from wsgi_servers import HOOK_RECORDER, wait_until

APP = '''
import os, threading, time

def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/sleep":
        time.sleep(float(environ["QUERY_STRING"]))
    if path == "/hang":
        time.sleep(3600)
    if path == "/env":
        body = os.environ.get("FROM_CONFIG", "-")
    elif path == "/thread":
        time.sleep(0.4)  # held long enough for the other requests to need other threads
        body = str(threading.get_ident())
    else:
        body = str(os.getpid())
    body = body.encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
'''

RECORDING_HOOKS = HOOK_RECORDER + '''

def on_starting(server):
    record("on_starting", workers=server.cfg.workers)

def when_ready(server):
    record("when_ready")

def on_reload(server):
    record("on_reload")

def pre_fork(server, worker):
    record("pre_fork", age=worker.age)

def post_fork(server, worker):
    record("post_fork", age=worker.age, ppid=worker.ppid)

def post_worker_init(worker):
    record("post_worker_init", age=worker.age)

def pre_request(worker, req):
    record("pre_request", age=worker.age, path=req.path)

def post_request(worker, req, environ, resp):
    record("post_request", age=worker.age, path=req.path, status=resp.status)

def worker_int(worker):
    record("worker_int", age=worker.age)

def worker_abort(worker):
    record("worker_abort", age=worker.age)

def worker_exit(server, worker):
    record("worker_exit", age=worker.age)

def child_exit(server, worker):
    record("child_exit", age=worker.age)

def on_exit(server):
    record("on_exit")
'''


def site(tmp_path, config_text, directives="", app=APP):
    """A Strata with the app at /app/ and `config_text` as conf/gunicorn.conf.py, named by
    a relative wsgi_config (resolved against the prefix, the test directory)."""
    apps = tmp_path / "apps"
    apps.mkdir(exist_ok=True)
    (apps / "probe.py").write_text(app)
    (tmp_path / "conf").mkdir(exist_ok=True)
    (tmp_path / "conf" / "gunicorn.conf.py").write_text(config_text)
    return Strata(tmp_path, f"""
        wsgi_config conf/gunicorn.conf.py;
        wsgi_chdir {apps};
        {directives}
        server {{
            listen 127.0.0.1:PORT;
            location / {{ return 200 "static\\n"; }}
            location /app/ {{ wsgi_app probe:app; wsgi_root_path /app; }}
            location /one/ {{ wsgi_app probe:app; wsgi_root_path /one; wsgi_threads 1; }}
        }}""")


def get(server, path, **kwargs):
    return requests.get(server.url + path, timeout=30, **kwargs)


def hook_records(path, master_pid):
    """(hook, role) pairs in the order written; role is "master" or "worker <age>"."""
    if not path.exists():
        return []
    records = [json.loads(line) for line in path.read_text().splitlines() if line]
    ages = {r["pid"]: r["age"] for r in records if r["hook"] == "post_fork"}

    def role(pid):
        return "master" if pid == master_pid else f"worker {ages.get(pid, pid)}"

    return [(r["hook"], role(r["pid"])) for r in records]


def wait_for(predicate, what, timeout=20):
    return wait_until(predicate, timeout=timeout, what=what)


def worker_pid(server):
    return get(server, "/app/pid").text


def new_worker_pid(server, old):
    """The pid a fresh worker answers with, once the old one is gone (None until then)."""
    try:
        pid = worker_pid(server)
    except requests.RequestException:  # between the old worker and the new one
        return None
    return pid if pid != old else None


def test_hooks_at_gunicorns_moments_on_start_request_reload_and_stop(tmp_path):
    server = site(tmp_path, RECORDING_HOOKS)
    log = tmp_path / "conf" / "hooks.jsonl"
    master = server.proc.pid
    try:
        assert get(server, "/app/hello").status_code == 200
        records = lambda: hook_records(log, master)  # noqa: E731
        wait_for(lambda: ("post_request", "worker 1") in records(), "post_request")
        assert records() == [
            ("on_starting", "master"), ("when_ready", "master"), ("pre_fork", "master"),
            ("post_fork", "worker 1"), ("post_worker_init", "worker 1"),
            ("pre_request", "worker 1"), ("post_request", "worker 1")]
        first = json.loads(log.read_text().splitlines()[0])
        assert first["workers"] == 1  # server.cfg shows what the nginx configuration set
        assert get(server, "/").text == "static\n"  # no app: no request hooks
        old = records()

        os.kill(master, signal.SIGHUP)
        wait_for(lambda: {("child_exit", "master"), ("post_worker_init", "worker 2")}
                 <= set(records()), "the old worker's exit and the new one's start")
        reload = records()[len(old):]
        # The master's order; the new worker starts while the old one leaves.
        assert reload[:2] == [("on_reload", "master"), ("pre_fork", "master")]
        assert sorted(reload[2:]) == sorted([("post_fork", "worker 2"),
                                             ("post_worker_init", "worker 2"),
                                             ("worker_exit", "worker 1"),
                                             ("child_exit", "master")])
        assert reload.index(("post_fork", "worker 2")) < reload.index(
            ("post_worker_init", "worker 2"))
        assert reload.index(("worker_exit", "worker 1")) < reload.index(("child_exit", "master"))
        old = records()

        os.kill(master, signal.SIGQUIT)  # nginx's graceful stop
        server.proc.wait(timeout=20)
        assert records()[len(old):] == [("worker_exit", "worker 2"), ("child_exit", "master"),
                                        ("on_exit", "master")]
    finally:
        server.stop()


def test_a_fast_stop_calls_worker_int(tmp_path):
    server = site(tmp_path, RECORDING_HOOKS)
    log = tmp_path / "conf" / "hooks.jsonl"
    try:
        worker_pid(server)
        server.proc.terminate()  # nginx's TERM: the fast stop, gunicorn's INT/QUIT
        server.proc.wait(timeout=20)
        tail = hook_records(log, server.proc.pid)[-4:]
        assert tail == [("worker_int", "worker 1"), ("worker_exit", "worker 1"),
                        ("child_exit", "master"), ("on_exit", "master")]
    finally:
        server.stop()


def distinct_threads(server, prefix, requests_at_once=8):
    idents = []

    def fetch():
        idents.append(get(server, prefix + "/thread").text)

    fetchers = [threading.Thread(target=fetch) for _ in range(requests_at_once)]
    for f in fetchers:
        f.start()
    for f in fetchers:
        f.join()
    return len(set(idents))


def test_app_settings_apply_under_the_explicit_directives(tmp_path):
    config = 'threads = 4\ntimeout = 1\nraw_env = ["FROM_CONFIG=from the file"]\n'
    server = site(tmp_path, config, directives="wsgi_timeout 10s;")
    try:
        assert distinct_threads(server, "/app") == 4  # the file's threads
        assert distinct_threads(server, "/one") == 1  # wsgi_threads 1 wins
        assert get(server, "/app/env").text == "from the file"  # raw_env
        before = worker_pid(server)
        assert get(server, "/app/sleep", params="2").status_code == 200  # wsgi_timeout wins
        assert worker_pid(server) == before
        assert "wsgi_config" not in server.error_log.read_text()  # nothing ignored
    finally:
        server.stop()


def test_the_files_timeout_replaces_a_stuck_worker_after_worker_abort(tmp_path):
    server = site(tmp_path, RECORDING_HOOKS + "timeout = 2\n")
    log = tmp_path / "conf" / "hooks.jsonl"
    try:
        before = worker_pid(server)
        with pytest.raises(requests.ConnectionError):
            get(server, "/app/hang")  # dropped with its worker
        wait_for(lambda: new_worker_pid(server, before), "a new worker")
        assert f"WORKER TIMEOUT (pid:{before})" in server.error_log.read_text()
        records = hook_records(log, server.proc.pid)
        assert ("worker_abort", "worker 1") in records
        assert ("post_worker_init", "worker 2") in records
    finally:
        server.stop()


def test_the_files_max_requests_retires_a_worker(tmp_path):
    server = site(tmp_path, "max_requests = 3\n")
    try:
        pids = [worker_pid(server) for _ in range(3)]
        assert len(set(pids)) == 1
        wait_for(lambda: new_worker_pid(server, pids[0]), "a fresh worker")
        assert "after 3 app requests" in server.error_log.read_text()
    finally:
        server.stop()


def test_settings_the_nginx_configuration_decides_are_named_in_one_warning(tmp_path):
    config = 'bind = "0.0.0.0:1"\nworkers = 9\naccesslog = "-"\nthreads = 2\ndaemon = True\n'
    server = site(tmp_path, config)
    try:
        assert get(server, "/app/pid").status_code == 200  # served where nginx.conf says
        warnings = [line for line in server.error_log.read_text().splitlines()
                    if "[warn]" in line and "wsgi_config" in line]
        assert len(warnings) == 1
        named = warnings[0].split(" sets ")[1].split(", which")[0].split(", ")
        assert sorted(named) == ["accesslog", "bind", "daemon", "workers"]  # not threads
        line = server.conf.read_text().splitlines().index("        wsgi_config conf/gunicorn.conf.py;")
        assert f"{server.conf}:{line + 1}" in warnings[0]
    finally:
        server.stop()


def check(tmp_path, config_text, wsgi_config="conf/gunicorn.conf.py"):
    (tmp_path / "conf").mkdir(exist_ok=True)
    if config_text is not None:
        (tmp_path / "conf" / "gunicorn.conf.py").write_text(config_text)
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"events {{}}\nhttp {{\n    wsgi_config {wsgi_config};\n"
                    "    server { listen 127.0.0.1:1; location / { wsgi_app probe:app; } }\n}\n")
    return subprocess.run([str(STRATA_BIN), "-p", str(tmp_path), "-c", str(conf), "-t"],
                          capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("config_text, wsgi_config, gunicorns_message", [
    (None, "conf/nowhere.py", "Error: '{prefix}conf/nowhere.py' doesn't exist"),
    ("x = 1 / 0\n", "conf/gunicorn.conf.py", "ZeroDivisionError: division by zero"),
    ("threads = 'many'\n", "conf/gunicorn.conf.py", "Invalid value for threads: many"),
    ("raw_env = ['NOEQUALS']\n", "file:conf/gunicorn.conf.py",
     "environment setting 'NOEQUALS' invalid"),
    (None, "python:no_such_config_module", "No module named 'no_such_config_module'"),
])
def test_a_bad_file_fails_the_test_with_the_directives_place(tmp_path, config_text, wsgi_config,
                                                             gunicorns_message):
    result = check(tmp_path, config_text, wsgi_config)
    assert result.returncode == 1
    prefix = f"{tmp_path}/"
    assert f"in {tmp_path}/nginx.conf:3" in result.stderr
    assert "[emerg] wsgi_config" in result.stderr
    assert gunicorns_message.format(prefix=prefix) in result.stderr
    assert "test failed" in result.stderr


def test_a_good_file_passes_the_test_with_its_warning(tmp_path):
    result = check(tmp_path, "workers = 3\nthreads = 2\n")
    assert result.returncode == 0, result.stderr
    assert "[warn] wsgi_config" in result.stderr and "sets workers," in result.stderr
    assert "test is successful" in result.stderr


def test_a_reload_with_a_bad_file_keeps_the_old_workers(tmp_path):
    server = site(tmp_path, "threads = 2\n")
    try:
        before = worker_pid(server)
        (tmp_path / "conf" / "gunicorn.conf.py").write_text("raise RuntimeError('broken file')\n")
        os.kill(server.proc.pid, signal.SIGHUP)
        wait_for(lambda: "broken file" in server.error_log.read_text(), "the reload's error")
        assert "wsgi_config" in server.error_log.read_text()
        assert worker_pid(server) == before  # still the old worker
        assert get(server, "/").text == "static\n"
    finally:
        server.stop()


IMPORT_RECORDING_APP = '''
import os
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "imports.txt"), "a") as f:
    f.write("%d\\n" % os.getpid())

def app(environ, start_response):
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
'''


def test_preload_app_imports_the_apps_once_in_the_master(tmp_path):
    server = site(tmp_path, "preload_app = True\n", app=IMPORT_RECORDING_APP)
    try:
        worker = worker_pid(server)
        assert worker != str(server.proc.pid)
        assert (tmp_path / "apps" / "imports.txt").read_text().split() == [str(server.proc.pid)]
        os.kill(server.proc.pid, signal.SIGHUP)
        wait_for(lambda: new_worker_pid(server, worker), "the reload's worker")
        # gunicorn's preload: a reload does not import the app again.
        assert (tmp_path / "apps" / "imports.txt").read_text().split() == [str(server.proc.pid)]
        assert "wsgi_config" not in server.error_log.read_text()  # preload_app is not ignored
    finally:
        server.stop()


def test_preload_app_that_fails_to_import_stops_the_start(tmp_path):
    apps = tmp_path / "apps"
    apps.mkdir()
    (apps / "probe.py").write_text("import no_such_module_anywhere\n")
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "gunicorn.conf.py").write_text("preload_app = True\n")
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"daemon off;\nerror_log {tmp_path}/error.log;\nevents {{}}\nhttp {{\n"
                    f"    wsgi_config conf/gunicorn.conf.py; wsgi_chdir {apps};\n"
                    "    server { listen 127.0.0.1:1; location / { wsgi_app probe:app; } }\n}\n")
    result = subprocess.run([str(STRATA_BIN), "-c", str(conf)], capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 1
    log = (tmp_path / "error.log").read_text()
    assert f'wsgi_app "probe:app" in {conf}:6 failed to load' in log
    assert "No module named 'no_such_module_anywhere'" in log


def test_a_reload_applies_the_files_new_settings(tmp_path):
    server = site(tmp_path, "threads = 1\n")
    try:
        assert distinct_threads(server, "/app", requests_at_once=6) == 1
        before = worker_pid(server)
        (tmp_path / "conf" / "gunicorn.conf.py").write_text("threads = 3\n")
        os.kill(server.proc.pid, signal.SIGHUP)
        wait_for(lambda: new_worker_pid(server, before), "the reload's worker")
        assert distinct_threads(server, "/app", requests_at_once=6) == 3
    finally:
        server.stop()


@pytest.mark.parametrize("hook", ["on_starting", "post_worker_init"])
def test_a_start_hook_that_raises_stops_the_start(tmp_path, hook):
    apps = tmp_path / "apps"
    apps.mkdir()
    (apps / "probe.py").write_text(APP)
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "gunicorn.conf.py").write_text(
        f"def {hook}(arg):\n    raise RuntimeError('{hook} refuses')\n")
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"daemon off;\npid {tmp_path}/strata.pid;\nerror_log {tmp_path}/error.log info;\n"
                    "events {}\nhttp {\n"
                    f"    wsgi_config conf/gunicorn.conf.py; wsgi_chdir {apps};\n"
                    "    server { listen 127.0.0.1:0; location / { wsgi_app probe:app; } }\n}\n")
    result = subprocess.run([str(STRATA_BIN), "-c", str(conf)], capture_output=True, text=True,
                            timeout=30)
    assert result.returncode != 0
    log = (tmp_path / "error.log").read_text()
    assert f"Exception in {hook} hook" in log and f"{hook} refuses" in log


def test_a_reload_calls_the_hooks_of_the_file_read_again(tmp_path):
    server = site(tmp_path, RECORDING_HOOKS)
    log = tmp_path / "conf" / "hooks.jsonl"
    try:
        before = worker_pid(server)
        (tmp_path / "conf" / "gunicorn.conf.py").write_text(
            RECORDING_HOOKS.replace('record("on_reload")', 'record("on_reload", version=2)'))
        os.kill(server.proc.pid, signal.SIGHUP)
        wait_for(lambda: ("child_exit", "master") in hook_records(log, server.proc.pid),
                 "the old worker's exit, seen by the new hooks")
        reload = [json.loads(line) for line in log.read_text().splitlines()
                  if '"on_reload"' in line]
        assert [r.get("version") for r in reload] == [2]
        # The master's record of its workers carried over: ages go on, the old one is known.
        exits = [r for r in map(json.loads, log.read_text().splitlines())
                 if r["hook"] == "child_exit"]
        assert [r["age"] for r in exits] == [1]
        assert new_worker_pid(server, before)
        assert ("post_fork", "worker 2") in hook_records(log, server.proc.pid)
    finally:
        server.stop()


def test_nworkers_changed_sees_the_start_and_a_reload_that_changes_worker_processes(tmp_path):
    """gunicorn calls it whenever the worker count is set: at the start (old value None)
    and at each reload, with the configuration's worker_processes."""
    hooks = HOOK_RECORDER + (
        "\ndef nworkers_changed(server, new_value, old_value):\n"
        "    record('nworkers_changed', new=new_value, old=old_value, seen=server.num_workers)\n")
    server = site(tmp_path, hooks)
    log = tmp_path / "conf" / "hooks.jsonl"

    def counts():
        return [(r["new"], r["old"], r["seen"]) for r in map(json.loads, log.read_text().splitlines())
                if r["hook"] == "nworkers_changed"]

    try:
        assert counts() == [(1, None, 1)]
        server.conf.write_text(server.conf.read_text().replace("worker_processes 1;",
                                                               "worker_processes 2;"))
        os.kill(server.proc.pid, signal.SIGHUP)
        wait_for(lambda: len(counts()) == 2, "the reload's nworkers_changed")
        assert counts() == [(1, None, 1), (2, 1, 2)]
    finally:
        server.stop()


def test_the_files_chdir_and_pythonpath_find_the_app(tmp_path):
    """No wsgi_chdir: the file's chdir is the apps' directory, its relative pythonpath
    entries are under it (as gunicorn makes them)."""
    apps, lib = tmp_path / "elsewhere", tmp_path / "elsewhere" / "lib"
    lib.mkdir(parents=True)
    (lib / "helper.py").write_text("GREETING = 'found through pythonpath'\n")
    (apps / "chdir_app.py").write_text(
        "import os, helper\n"
        "def app(environ, start_response):\n"
        "    body = ('%s in %s' % (helper.GREETING, os.getcwd())).encode()\n"
        "    start_response('200 OK', [('Content-Length', str(len(body)))])\n"
        "    return [body]\n")
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "gunicorn.conf.py").write_text(
        f"chdir = {str(apps)!r}\npythonpath = 'lib'\n")
    server = Strata(tmp_path, """
        wsgi_config conf/gunicorn.conf.py;
        server { listen 127.0.0.1:PORT; location / { wsgi_app chdir_app:app; } }""")
    try:
        assert get(server, "/").text == f"found through pythonpath in {apps}"
    finally:
        server.stop()
