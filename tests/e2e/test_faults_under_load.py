"""Faults while wrk keeps strata busy.

- A worker killed with SIGKILL is replaced, and only the requests it had in flight fail:
  at most one socket error per wrk connection, never a wrong status.
- Ten reloads (SIGHUP to the master) in a row, 0.4s apart — each starting a new
  generation before the previous one has settled — with wrk on a static file and on a
  WSGI app: not one failed request.
- A WSGI app (`strata wsgi`, gunicorn's log lines) that raises answers 500 and logs the
  traceback while the worker serves on; one that segfaults (ctypes.string_at(0)) loses
  its worker, which the master logs ("terminated due to signal 11", gunicorn 20.1's
  words) and replaces; one that hangs past --timeout is killed ("WORKER TIMEOUT") and
  replaced. wrk's requests to a healthy path, running throughout, fail only where a dying
  worker had them in flight.
"""
import os
import re
import signal
import subprocess
import time

import pytest
import requests

from conftest import Strata, require_tool, stop_process
from wsgi_servers import child_pids, start_server, wait_until

WRK_CONNECTIONS = 8


def start_wrk(url, seconds, connections=WRK_CONNECTIONS):
    wrk = require_tool("wrk")
    return subprocess.Popen([wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
                             url], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wrk_result(load, interrupt=False):
    """wrk's summary as numbers: requests, non-2xx/3xx answers, socket errors by kind.
    With `interrupt`, wrk is stopped now (SIGINT: it still prints its summary)."""
    if interrupt:
        time.sleep(0.5)  # some load after the last fault
        load.send_signal(signal.SIGINT)
    out, _ = load.communicate(timeout=60)
    done = re.search(r"(\d+) requests in", out)
    assert done, out
    result = {"requests": int(done.group(1)), "non2xx": 0, "connect": 0, "read": 0,
              "write": 0, "timeout": 0, "output": out}
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        result["non2xx"] = int(bad.group(1))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if errors:
        for key, value in zip(("connect", "read", "write", "timeout"), errors.groups()):
            result[key] = int(value)
    result["errors"] = sum(result[k] for k in ("connect", "read", "write", "timeout"))
    return result


@pytest.fixture
def loads():
    started = []
    yield started
    for load in started:
        stop_process(load)


# --- the front server ---------------------------------------------------------------


def test_killed_worker_is_replaced_and_only_its_requests_fail(tmp_path, loads):
    (tmp_path / "index.html").write_text("Hello World\n")
    server = Strata(tmp_path, f"access_log {tmp_path}/access.log;\n"
                    f"server {{ listen 127.0.0.1:PORT; root {tmp_path}; }}", workers=2)
    try:
        workers = wait_until(lambda: len(child_pids(server.proc.pid)) == 2
                             and child_pids(server.proc.pid), what="two workers")
        loads.append(start_wrk(f"{server.url}/index.html", 5))
        time.sleep(1.5)
        victim = workers[0]
        os.kill(victim, signal.SIGKILL)
        wait_until(lambda: len(child_pids(server.proc.pid)) == 2
                   and victim not in child_pids(server.proc.pid), what="a replacement worker")
        result = wrk_result(loads[0])
        assert result["non2xx"] == 0, result["output"]
        assert result["errors"] <= WRK_CONNECTIONS, result["output"]
        assert result["requests"] > 100, result["output"]
        assert re.search(rf"worker process {victim} exited on signal 9", server.error_log.read_text())
        assert requests.get(f"{server.url}/index.html", timeout=5).text == "Hello World\n"
    finally:
        server.stop()


RELOAD_APP = '''
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "3")])
    return [b"app"]
'''


def test_ten_reloads_in_a_row_fail_no_request(tmp_path, loads):
    (tmp_path / "index.html").write_text("Hello World\n")
    (tmp_path / "reload_app.py").write_text(RELOAD_APP)
    block = f"""
        wsgi_chdir {tmp_path};
        access_log {tmp_path}/access.log;
        server {{
            listen 127.0.0.1:PORT;
            root {tmp_path};
            location /app {{ wsgi_app reload_app:app; }}
        }}"""
    server = Strata(tmp_path, block, workers=2)
    try:
        assert requests.get(f"{server.url}/app", timeout=10).text == "app"
        before = child_pids(server.proc.pid)
        loads.append(start_wrk(f"{server.url}/index.html", 8, connections=4))
        loads.append(start_wrk(f"{server.url}/app", 8, connections=4))
        time.sleep(1)
        for _ in range(10):
            server.proc.send_signal(signal.SIGHUP)
            time.sleep(0.4)
        for load in loads:
            result = wrk_result(load)
            assert result["non2xx"] == 0, result["output"]
            assert result["errors"] == 0, result["output"]
            assert result["requests"] > 0, result["output"]
        after = wait_until(lambda: len(child_pids(server.proc.pid)) == 2
                           and child_pids(server.proc.pid), timeout=30, what="two workers")
        assert not set(before) & set(after), "the reloads did not replace the workers"
        assert server.proc.poll() is None
        log = server.error_log.read_text()
        assert log.count("(SIGHUP) received, reload") == 10, log
        assert not re.search(r"\[(alert|crit|emerg)\]", log), log
    finally:
        server.stop()


# --- a WSGI app that fails ----------------------------------------------------------

FAULTY_APP = r'''
import ctypes
import os
import time


def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/raise":
        raise RuntimeError("the app failed on purpose")
    if path == "/segv":
        ctypes.string_at(0)
    if path == "/hang":
        time.sleep(60)
    body = b"ok %d\n" % os.getpid()
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]
'''


def closed_without_answer(url):
    """True when the server closed the connection without any response."""
    try:
        requests.get(url, timeout=30)
    except requests.exceptions.ConnectionError:
        return True
    return False


def test_wsgi_app_faults_under_load(tmp_path, loads):
    # The sanitizer build would otherwise turn the segfault into a report and exit(1):
    # let the signal kill the worker, as it does in a release build.
    asan = os.environ.get("ASAN_OPTIONS", "")
    env = {"ASAN_OPTIONS": f"{asan}:handle_segv=0".lstrip(":")}
    server = start_server("strata", tmp_path, FAULTY_APP, "app:app", "--workers", "2",
                          "--timeout", "3", validate=False, env=env)
    try:
        workers = wait_until(lambda: len(server.workers()) == 2 and server.workers(),
                             what="two workers")
        loads.append(start_wrk(f"{server.url}/ok", 60, connections=4))
        time.sleep(1)

        raised = requests.get(f"{server.url}/raise", timeout=10)
        assert raised.status_code == 500
        assert server.wait_for_log("Error handling request /raise")
        assert server.wait_for_log("RuntimeError: the app failed on purpose")
        assert server.workers() == workers, "an exception must not cost the worker"

        assert closed_without_answer(f"{server.url}/segv")
        assert server.wait_for_log("was terminated due to signal 11"), server.everything_logged()
        dead = [int(p) for p in re.findall(r"Worker with pid (\d+) was terminated due to "
                                           r"signal 11", server.everything_logged())]
        assert len(dead) == 1 and dead[0] in workers
        workers = wait_until(lambda: len(server.workers()) == 2 and dead[0] not in server.workers()
                             and server.workers(), what="a worker replacing the crashed one")

        assert closed_without_answer(f"{server.url}/hang")
        hung = [int(p) for p in re.findall(r"WORKER TIMEOUT \(pid:(\d+)\)",
                                           server.everything_logged())]
        assert len(hung) == 1 and hung[0] in workers, server.everything_logged()
        wait_until(lambda: len(server.workers()) == 2 and hung[0] not in server.workers(),
                   what="a worker replacing the hung one")

        result = wrk_result(loads[0], interrupt=True)
        assert result["non2xx"] == 0, result["output"]
        # Two workers died; each could take down the connections it held.
        assert result["errors"] <= 2 * 4, result["output"]
        assert result["requests"] > 100, result["output"]
        assert requests.get(f"{server.url}/ok", timeout=10).status_code == 200
    finally:
        server.stop()
