"""`strata wsgi` as gunicorn's users run it: workers and their signals (TTIN, TTOU, HUP
under load, TERM, INT), worker timeouts, respawns, --max-requests, start-up failures,
--check-config, --preload, --chdir, --pythonpath, -e, SCRIPT_NAME / --root-path,
WEB_CONCURRENCY, PORT, -p, -D and the access log's default line. Each test runs against
strata and gunicorn 20.1 unless it says otherwise."""
import os
import re
import signal
import socket
import subprocess
import threading
import time

import pytest
import requests

from conftest import STRATA_BIN, free_port, require_tool, stop_process, wait_for_port
from wsgi_servers import (GUNICORN_BIN, SERVER_NAMES, SERVERS, LogWatch, child_pids,
                          start_server, wait_until)

APP = r'''
import json
import os
import time

IMPORTED_BY = os.getpid()


def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path.startswith("/sleep/"):
        time.sleep(float(path[len("/sleep/"):]))
    if path == "/env":
        body = json.dumps({"KEY": os.environ.get("KEY"), "OTHER": os.environ.get("OTHER"),
                           "SCRIPT_NAME": environ["SCRIPT_NAME"],
                           "PATH_INFO": environ["PATH_INFO"]}).encode()
    else:
        body = json.dumps({"pid": os.getpid(), "imported_by": IMPORTED_BY,
                           "path": path}).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]
'''

STARTED = []


@pytest.fixture(params=SERVER_NAMES)
def kind(request):
    return request.param


@pytest.fixture(autouse=True)
def stop_started_servers():
    yield
    while STARTED:
        STARTED.pop().stop()


def start(kind, tmp_path, *args, source=APP, **kwargs):
    server = start_server(kind, tmp_path, source, "app:app", *args, **kwargs)
    STARTED.append(server)
    return server


def ask(server, path="/", timeout=10, **kwargs):
    response = requests.get(f"{server.url}{path}", timeout=timeout,
                            headers={"Connection": "close"}, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


def wait_for_workers(server, count, timeout=15):
    return wait_until(lambda: len(server.workers()) == count and server.workers(),
                      timeout=timeout, what=f"{count} workers")


def pids_serving(server, attempts=300):
    return {ask(server)["pid"] for _ in range(attempts)}


# --- workers -------------------------------------------------------------------------------

def test_two_workers_both_serve(kind, tmp_path):
    server = start(kind, tmp_path, "-w", "2")
    workers = wait_for_workers(server, 2)
    seen = set()
    deadline = time.monotonic() + 20
    while seen != set(workers) and time.monotonic() < deadline:
        seen.add(ask(server)["pid"])
    assert seen == set(workers)


def test_ttin_and_ttou_change_the_worker_count(kind, tmp_path):
    server = start(kind, tmp_path, "-w", "2")
    first = wait_for_workers(server, 2)
    server.signal(signal.SIGTTIN)
    three = wait_for_workers(server, 3)
    assert set(first) < set(three)
    server.signal(signal.SIGTTIN)
    wait_for_workers(server, 4)
    server.signal(signal.SIGTTOU)
    wait_for_workers(server, 3)
    server.signal(signal.SIGTTOU)
    wait_for_workers(server, 2)
    ask(server)


def test_hup_under_load_fails_no_request(kind, tmp_path):
    wrk = require_tool("wrk")
    server = start(kind, tmp_path, "-w", "2")
    before = wait_for_workers(server, 2)
    load = subprocess.Popen([wrk, "-t1", "-c8", "-d6s", "--timeout", "10s", f"{server.url}/"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(1)
        for _ in range(3):
            server.signal(signal.SIGHUP)
            time.sleep(1.3)
        out, _ = load.communicate(timeout=30)
    finally:
        stop_process(load)
    assert re.search(r"\d+ requests in", out), out
    assert "Non-2xx" not in out, out
    assert "Socket errors" not in out, out
    after = wait_for_workers(server, 2)
    assert not set(before) & set(after), "HUP must replace the workers"
    ask(server)


def test_worker_timeout_kills_and_replaces_the_worker(kind, tmp_path):
    server = start(kind, tmp_path, "-t", "2")
    victim = wait_for_workers(server, 1)[0]
    watch = LogWatch(server)
    with pytest.raises(requests.exceptions.RequestException):
        requests.get(f"{server.url}/sleep/10", timeout=15)
    assert "WORKER TIMEOUT" in watch.new()
    assert f"WORKER TIMEOUT (pid:{victim})" in watch.new()
    replacement = wait_until(lambda: victim not in server.workers() and server.workers(),
                             what="a replacement worker")
    assert ask(server)["pid"] == replacement[0]


def test_killed_worker_is_respawned(kind, tmp_path):
    server = start(kind, tmp_path, "-w", "2")
    victim = wait_for_workers(server, 2)[0]
    os.kill(victim, signal.SIGKILL)
    wait_until(lambda: len(server.workers()) == 2 and victim not in server.workers(),
               what="a replacement worker")
    assert victim not in pids_serving(server, attempts=40)


def test_max_requests_recycles_workers_without_failing_requests(kind, tmp_path):
    server = start(kind, tmp_path, "-w", "2", "--max-requests", "50")
    first = wait_for_workers(server, 2)
    watch = LogWatch(server)
    failures, pids = [], set()
    for i in range(300):
        try:
            pids.add(ask(server, f"/n{i}")["pid"])
        except (requests.exceptions.RequestException, AssertionError) as error:
            failures.append(repr(error))
    assert failures == []
    assert len(pids - set(first)) >= 2, "no worker was recycled"
    assert "Autorestarting worker after current request." in watch.new()
    wait_for_workers(server, 2)


def slow_request(server, seconds, results):
    try:
        results.append(requests.get(f"{server.url}/sleep/{seconds}", timeout=30).status_code)
    except requests.exceptions.RequestException as error:
        results.append(error)


def test_term_is_graceful_for_a_request_in_flight(kind, tmp_path):
    server = start(kind, tmp_path)
    wait_for_workers(server, 1)
    results = []
    client = threading.Thread(target=slow_request, args=(server, 2, results))
    client.start()
    time.sleep(0.5)
    server.signal(signal.SIGTERM)
    client.join(timeout=30)
    assert results == [200]
    assert server.proc.wait(timeout=30) == 0


def test_int_is_a_quick_stop(kind, tmp_path):
    server = start(kind, tmp_path)
    wait_for_workers(server, 1)
    results = []
    client = threading.Thread(target=slow_request, args=(server, 20, results))
    client.start()
    time.sleep(0.5)
    server.signal(signal.SIGINT)
    server.proc.wait(timeout=15)  # long before the request would have finished
    client.join(timeout=15)
    assert len(results) == 1 and results[0] != 200, results


EXIT_APP = r'''
import atexit
import os

MASTER = os.getpid()


def goodbye(where):
    with open(f"atexit-{where}-{os.getpid()}.txt", "w") as f:
        f.write("ran")


atexit.register(goodbye, "registered-at-import")


def app(environ, start_response):
    # Block-buffered: stdout is a file and PYTHONUNBUFFERED is unset.
    print("printed by the app for", environ["PATH_INFO"])
    print("and an unfinished line", end="")
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "3")])
    return [str(os.getpid()).encode()[:3].ljust(3)]
'''


@pytest.mark.parametrize("preload", [False, True], ids=["", "preload"])
def test_exit_flushes_stdout_and_runs_atexit(kind, tmp_path, preload):
    """gunicorn's processes leave through sys.exit(): the app's buffered output reaches
    stdout and its atexit functions run, in each worker (and, with --preload, in the
    master, where the app was imported)."""
    args = ["--preload"] if preload else []
    server = start(kind, tmp_path, *args, source=EXIT_APP, validate=False,
                   env={"PYTHONUNBUFFERED": None})
    worker = wait_for_workers(server, 1)[0]
    assert requests.get(f"{server.url}/hello", timeout=10).status_code == 200
    server.stop()
    assert server.proc.returncode == 0
    assert "printed by the app for /hello\nand an unfinished line" in server.stdout()
    ran = sorted(p.name for p in tmp_path.glob("atexit-*.txt"))
    expected = [f"atexit-registered-at-import-{worker}.txt"]
    if preload:
        expected.append(f"atexit-registered-at-import-{server.proc.pid}.txt")
    assert ran == sorted(expected)


THREADS_APP = r'''
import os
import threading

# Three requests must be inside the app at once to get past it.
BARRIER = threading.Barrier(3, timeout=10)


def app(environ, start_response):
    try:
        BARRIER.wait()
        body = b"together in %d" % os.getpid()
    except threading.BrokenBarrierError:
        body = b"alone"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
'''


def test_threads_run_requests_at_once_in_one_worker(kind, tmp_path):
    server = start(kind, tmp_path, "--threads", "3", source=THREADS_APP)
    worker = wait_for_workers(server, 1)[0]
    results = []

    def one():
        results.append(requests.get(f"{server.url}/", timeout=20).text)

    clients = [threading.Thread(target=one) for _ in range(3)]
    for client in clients:
        client.start()
    for client in clients:
        client.join(timeout=30)
    assert results == [f"together in {worker}"] * 3


SLOW_CLIENT_APP = r'''
def app(environ, start_response):
    if environ["PATH_INFO"] == "/big":
        write = start_response("200 OK", [("Content-Type", "application/octet-stream")])
        for _ in range(30):
            write(b"z" * (1 << 20))  # waits (without the GIL) while the client lags
        return []
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]
'''


def test_a_stalled_client_holds_one_app_thread_not_the_worker(kind, tmp_path):
    server = start(kind, tmp_path, "--threads", "2", source=SLOW_CLIENT_APP)
    worker = wait_for_workers(server, 1)[0]
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as stalled:
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled.sendall(b"GET /big HTTP/1.1\r\nHost: h\r\n\r\n")
        time.sleep(0.5)
        for _ in range(3):
            assert requests.get(f"{server.url}/other", timeout=10).text == "ok"
    assert server.workers() == [worker], "the worker died and was replaced"


# --- start-up ----------------------------------------------------------------------------

def command(kind, *args):
    if kind == "strata":
        return [str(STRATA_BIN), "wsgi", *args]
    return ["/usr/bin/python3", str(GUNICORN_BIN), *args]


def run_to_exit(kind, tmp_path, *args, timeout=30, env=None):
    full_env = dict(os.environ, **(env or {}))
    full_env.pop("PYTHONPATH", None)
    return subprocess.run(command(kind, *args), cwd=tmp_path, capture_output=True, text=True,
                          timeout=timeout, env=full_env)


def test_check_config(kind, tmp_path):
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "broken.py").write_text("import os\nraise RuntimeError('cannot configure')\n")
    good = run_to_exit(kind, tmp_path, "--check-config", "app:app")
    assert good.returncode == 0, good.stderr
    bad = run_to_exit(kind, tmp_path, "--check-config", "broken:app")
    assert bad.returncode == 1
    assert "RuntimeError: cannot configure" in bad.stderr
    assert "Traceback (most recent call last)" in bad.stderr
    missing = run_to_exit(kind, tmp_path, "--check-config", "app:nothing")
    assert missing.returncode != 0
    assert "Failed to find attribute 'nothing' in 'app'." in missing.stderr


def test_app_that_fails_to_import_stops_the_master(kind, tmp_path):
    (tmp_path / "app.py").write_text("import os\nraise ImportError('no such thing: spam')\n")
    port = free_port()
    log = tmp_path / "error.log"
    done = run_to_exit(kind, tmp_path, "--bind", f"127.0.0.1:{port}", "--error-logfile",
                       str(log), "app:app", timeout=30)
    text = log.read_text() + done.stderr
    assert done.returncode == 3, text  # gunicorn's WORKER_BOOT_ERROR exit status
    assert "Traceback (most recent call last)" in text
    assert "ImportError: no such thing: spam" in text
    assert "Worker failed to boot." in text
    assert text.count("Booting worker") == 1, "a worker that cannot boot is not respawned"


def test_preload_imports_in_the_master(kind, tmp_path):
    server = start(kind, tmp_path, "--preload", "-w", "2")
    wait_for_workers(server, 2)
    answer = ask(server)
    assert answer["imported_by"] == server.proc.pid
    assert answer["pid"] != server.proc.pid


def test_without_preload_each_worker_imports(kind, tmp_path):
    server = start(kind, tmp_path, "-w", "2")
    wait_for_workers(server, 2)
    answer = ask(server)
    assert answer["imported_by"] == answer["pid"]


def test_chdir(kind, tmp_path):
    (tmp_path / "project").mkdir()
    (tmp_path / "project/site_app.py").write_text(APP)
    server = SERVERS[kind](tmp_path, "site_app:app", "--chdir", str(tmp_path / "project"),
                           stdio="file")
    STARTED.append(server)
    assert ask(server, "/here")["path"] == "/here"


def test_pythonpath(kind, tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib/lib_app.py").write_text(APP)
    server = SERVERS[kind](tmp_path, "lib_app:app", "--pythonpath", "lib", stdio="file")
    STARTED.append(server)
    assert ask(server, "/lib")["path"] == "/lib"


def test_raw_env(kind, tmp_path):
    server = start(kind, tmp_path, "-e", "KEY=some value", "--env", "OTHER=x=y")
    answer = ask(server, "/env")
    assert (answer["KEY"], answer["OTHER"]) == ("some value", "x=y")


def test_script_name_from_the_environment(kind, tmp_path):
    server = start(kind, tmp_path, env={"SCRIPT_NAME": "/mount"})
    answer = ask(server, "/mount/env")
    assert (answer["SCRIPT_NAME"], answer["PATH_INFO"]) == ("/mount", "/env")


def test_script_name_from_raw_env(kind, tmp_path):
    server = start(kind, tmp_path, "-e", "SCRIPT_NAME=/app")
    answer = ask(server, "/app/env")
    assert (answer["SCRIPT_NAME"], answer["PATH_INFO"]) == ("/app", "/env")


def test_root_path_strata_only(tmp_path):
    """--root-path is strata's (gunicorn 20.1 has none: SCRIPT_NAME from the environment)."""
    server = start("strata", tmp_path, "--root-path", "/api")
    answer = ask(server, "/api/env")
    assert (answer["SCRIPT_NAME"], answer["PATH_INFO"]) == ("/api", "/env")


def test_web_concurrency(kind, tmp_path):
    server = start(kind, tmp_path, env={"WEB_CONCURRENCY": "3"})
    wait_for_workers(server, 3)


def test_port_from_the_environment(kind, tmp_path):
    (tmp_path / "app.py").write_text(APP)
    port = free_port()
    env = dict(os.environ, PORT=str(port))
    env.pop("PYTHONPATH", None)
    proc = subprocess.Popen(command(kind, "app:app"), cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for_port(port, proc, timeout=20), "nothing listens on $PORT"
        assert requests.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 200
    finally:
        stop_process(proc)


def test_pidfile(kind, tmp_path):
    pidfile = tmp_path / "run/app.pid"
    pidfile.parent.mkdir()
    server = start(kind, tmp_path, "-p", str(pidfile))
    wait_until(lambda: pidfile.exists() and pidfile.read_text().strip(), what="the pid file")
    assert int(pidfile.read_text()) == server.proc.pid
    server.stop()
    assert server.proc.returncode == 0
    assert not pidfile.exists(), "the pid file outlived the master"


def test_daemon(kind, tmp_path):
    (tmp_path / "app.py").write_text(APP)
    port = free_port()
    pidfile = tmp_path / "daemon.pid"
    log = tmp_path / "daemon-error.log"
    launched = run_to_exit(kind, tmp_path, "-D", "-p", str(pidfile), "--bind",
                           f"127.0.0.1:{port}", "--error-logfile", str(log), "app:app")
    assert launched.returncode == 0, launched.stderr
    wait_until(lambda: pidfile.exists() and pidfile.read_text().strip(), what="the pid file")
    daemon = int(pidfile.read_text())
    try:
        wait_until(lambda: child_pids(daemon), what="the daemon's worker")
        answer = requests.get(f"http://127.0.0.1:{port}/", timeout=10).json()
        assert answer["pid"] in child_pids(daemon)
        assert os.getsid(daemon) != os.getsid(0), "a daemon leaves the caller's session"
    finally:
        os.kill(daemon, signal.SIGTERM)
        wait_until(lambda: not os.path.exists(f"/proc/{daemon}"), timeout=15,
                   what="the daemon's exit")


CAPTURE_APP = r'''
import sys


def app(environ, start_response):
    print("stdout of the app for", environ["PATH_INFO"], flush=True)
    print("stderr of the app for", environ["PATH_INFO"], file=sys.stderr, flush=True)
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]
'''


def test_capture_output_into_the_error_log_and_after_usr1(kind, tmp_path):
    server = start(kind, tmp_path, "--capture-output", source=CAPTURE_APP)
    wait_for_workers(server, 1)
    requests.get(f"{server.url}/first", timeout=10)
    assert server.wait_for_log("stdout of the app for /first")
    assert server.wait_for_log("stderr of the app for /first")
    assert "of the app" not in server.stdout() + server.stderr()
    # logrotate's way: move the file, then USR1 to reopen it.
    rotated = server.error_log.with_suffix(".1")
    server.error_log.rename(rotated)
    server.signal(signal.SIGUSR1)
    wait_until(server.error_log.exists, what="a reopened error log")
    time.sleep(0.5)  # the workers reopen theirs once the master told them
    requests.get(f"{server.url}/second", timeout=10)
    assert server.wait_for_log("stdout of the app for /second")
    assert "/second" not in rotated.read_text()


def test_capture_output_of_a_daemon(kind, tmp_path):
    (tmp_path / "app.py").write_text(CAPTURE_APP)
    port = free_port()
    pidfile, log = tmp_path / "daemon.pid", tmp_path / "daemon-error.log"
    launched = run_to_exit(kind, tmp_path, "-D", "--capture-output", "-p", str(pidfile),
                           "--bind", f"127.0.0.1:{port}", "--error-logfile", str(log), "app:app")
    assert launched.returncode == 0, launched.stderr
    wait_until(lambda: pidfile.exists() and pidfile.read_text().strip(), what="the pid file")
    daemon = int(pidfile.read_text())
    try:
        wait_until(lambda: child_pids(daemon), what="the daemon's worker")
        requests.get(f"http://127.0.0.1:{port}/daemon", timeout=10)
        wait_until(lambda: "stdout of the app for /daemon" in log.read_text(),
                   what="the app's output in the log")
    finally:
        os.kill(daemon, signal.SIGTERM)
        wait_until(lambda: not os.path.exists(f"/proc/{daemon}"), timeout=15,
                   what="the daemon's exit")


# --- the access log ------------------------------------------------------------------------

TIME = re.compile(r"\[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\]")


def test_access_log_default_line_matches_gunicorns(tmp_path):
    lines = {}
    for kind in SERVER_NAMES:
        server = start(kind, tmp_path / kind)
        for target, headers in [("/page?q=1", {"Referer": "http://ref.example/",
                                               "User-Agent": "e2e-agent/1.0"}),
                                ("/missing%20space", {"User-Agent": ""})]:
            requests.get(f"{server.url}{target}", headers=headers, timeout=10)
        requests.post(f"{server.url}/form", data=b"a=1", timeout=10,
                      headers={"User-Agent": "poster"})
        wait_until(lambda s=server: len(s.access().splitlines()) == 3, what="three lines")
        lines[kind] = [TIME.sub("[TIME]", line).replace(str(server.port), "PORT")
                       for line in server.access().splitlines()]
        server.stop()
    assert lines["strata"][0].startswith('127.0.0.1 - - [TIME] "GET /page?q=1 HTTP/1.1" 200 ')
    # Body sizes differ by the pid digits in the JSON: compare the lines without them.
    size = re.compile(r'" 200 \d+ "')
    assert [size.sub('" 200 N "', l) for l in lines["strata"]] == \
        [size.sub('" 200 N "', l) for l in lines["gunicorn"]]
