"""gunicorn's USR2 re-exec for `strata wsgi`: a new master started from the same command
line on the same listening sockets (GUNICORN_FD), writing "<pid file>.2" until the old
master is gone, then "promoted" to the pid file; and WINCH, which only a daemon acts
on. Each test runs against strata and gunicorn 20.1."""
import json
import os
import signal
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import STRATA_BIN, free_port
from wsgi_servers import GUNICORN_BIN, SERVER_NAMES, child_pids, start_server, wait_until

APP = r'''
import json
import os


def app(environ, start_response):
    body = json.dumps({"pid": os.getpid(), "master": os.getppid()}).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]
'''

STARTED = []
MASTERS = []


@pytest.fixture(params=SERVER_NAMES)
def kind(request):
    return request.param


def alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.fixture(autouse=True)
def stop_everything():
    yield
    while STARTED:
        STARTED.pop().stop()
    while MASTERS:
        pid = MASTERS.pop()
        if alive(pid):
            os.kill(pid, signal.SIGQUIT)
            wait_until(lambda: not alive(pid), timeout=15, what=f"exit of {pid}")


def start(kind, tmp_path, *args):
    server = start_server(kind, tmp_path, APP, "app:app", *args)
    STARTED.append(server)
    return server


def ask(server):
    with urllib.request.urlopen(f"{server.url}/", timeout=10) as response:
        assert response.status == 200
        return json.loads(response.read())


def read_pid(path):
    try:
        return int(Path(path).read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def new_master_of(server):
    """USR2 to the master; returns the new master once it serves."""
    old = server.proc.pid
    before = set(child_pids(old))
    server.signal(signal.SIGUSR2)

    def found():
        masters = [p for p in set(child_pids(old)) - before if child_pids(p)]
        return masters[0] if masters else None

    new = wait_until(found, timeout=20, what="the new master and its worker")
    MASTERS.append(new)
    wait_until(lambda: any(ask(server)["master"] == new for _ in range(50)), timeout=20,
               what="the new master's worker serving")
    return new


class Load:
    """Requests on new connections, without pause, from a thread; every failure kept."""

    def __init__(self, server):
        self.server = server
        self.failures = []
        self.masters = set()
        self.served = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stopping.is_set():
            try:
                self.masters.add(ask(self.server)["master"])
                self.served += 1
            except Exception as error:  # each one is a finding, kept for the assert
                self.failures.append(repr(error))

    def finish(self):
        self.stopping.set()
        self.thread.join(timeout=30)
        return self.failures


def test_usr2_then_term_old_master_fails_no_request(kind, tmp_path):
    pid_file = tmp_path / "app.pid"
    server = start(kind, tmp_path, "-w", "2", "-p", str(pid_file))
    old = server.proc.pid
    wait_until(lambda: read_pid(pid_file) == old, what="the pid file")
    load = Load(server)
    time.sleep(0.5)
    new = new_master_of(server)
    # The old master keeps its pid file; the new one writes "<pid file>.2".
    assert read_pid(pid_file) == old
    wait_until(lambda: read_pid(f"{pid_file}.2") == new, what="the .2 pid file")
    wait_until(lambda: len(child_pids(new)) == 2, what="two new workers")

    server.signal(signal.SIGTERM)  # gunicorn's graceful stop of the old master
    assert server.proc.wait(timeout=40) == 0
    wait_until(lambda: read_pid(pid_file) == new, what="the promoted pid file")
    assert not Path(f"{pid_file}.2").exists()
    assert server.wait_for_log("Master has been promoted.")
    time.sleep(0.5)
    assert load.finish() == []
    assert load.served > 20
    assert {old, new} <= load.masters
    assert all(ask(server)["master"] == new for _ in range(20))


def test_pre_exec_runs_in_the_new_master_before_its_exec(kind, tmp_path):
    record = tmp_path / "pre_exec.txt"
    config = tmp_path / "hooks.conf.py"
    config.write_text("import os\n\n"
                      "def pre_exec(server):\n"
                      f"    with open({str(record)!r}, 'a') as f:\n"
                      "        f.write(f'{os.getpid()} {os.getppid()} {server.pid}\\n')\n")
    server = start(kind, tmp_path, "-c", str(config))
    new = new_master_of(server)
    # The forked child that becomes the new master (same pid across its exec), once.
    old = server.proc.pid
    assert record.read_text().split() == [str(new), str(old), str(old)]


def test_usr2_is_refused_while_the_other_master_runs(kind, tmp_path):
    server = start(kind, tmp_path)
    new = new_master_of(server)
    server.signal(signal.SIGUSR2)
    assert server.wait_for_log("USR2 signal ignored. Child exists.")
    os.kill(new, signal.SIGUSR2)
    assert server.wait_for_log("USR2 signal ignored. Parent exists.")
    assert len(child_pids(new)) == 1  # its worker, and no third master


def test_old_master_serves_on_after_the_new_one_stops(kind, tmp_path):
    pid_file = tmp_path / "app.pid"
    server = start(kind, tmp_path, "-p", str(pid_file))
    new = new_master_of(server)
    os.kill(new, signal.SIGTERM)
    wait_until(lambda: not alive(new), timeout=40, what="the new master's exit")
    assert read_pid(pid_file) == server.proc.pid
    assert not Path(f"{pid_file}.2").exists()
    assert all(ask(server)["master"] == server.proc.pid for _ in range(10))
    # The child is reaped and forgotten: a second upgrade is allowed.
    assert new_master_of(server) != new


def test_winch_is_ignored_unless_daemonized(kind, tmp_path):
    server = start(kind, tmp_path, "-w", "2")
    workers = wait_until(lambda: len(child_pids(server.proc.pid)) == 2
                         and child_pids(server.proc.pid), what="two workers")
    server.signal(signal.SIGWINCH)
    time.sleep(1.5)
    assert child_pids(server.proc.pid) == workers
    assert ask(server)["master"] == server.proc.pid


def launch_daemon(kind, tmp_path, *args):
    """Starts `kind` with -D; returns the daemon master's pid (from its pid file)."""
    (tmp_path / "app.py").write_text(APP)
    pid_file = tmp_path / "daemon.pid"
    server = {"strata": [str(STRATA_BIN), "wsgi"],
              "gunicorn": ["/usr/bin/python3", str(GUNICORN_BIN)]}[kind]
    launched = subprocess.run([*server, "-D", "-p", str(pid_file), *args, "app:app"],
                              cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert launched.returncode == 0, launched.stderr
    master = wait_until(lambda: read_pid(pid_file), what="the pid file")
    MASTERS.append(master)
    return master


def test_winch_stops_a_daemons_workers_until_hup(kind, tmp_path):
    port = free_port()
    log = tmp_path / "error.log"
    master = launch_daemon(kind, tmp_path, "-w", "2", "--bind", f"127.0.0.1:{port}",
                           "--error-logfile", str(log))
    wait_until(lambda: len(child_pids(master)) == 2, timeout=20, what="two workers")
    os.kill(master, signal.SIGWINCH)
    wait_until(lambda: child_pids(master) == [], timeout=40, what="the workers' exit")
    assert "graceful stop of workers" in log.read_text()
    time.sleep(1)
    assert child_pids(master) == [] and alive(master)  # none respawned
    os.kill(master, signal.SIGHUP)
    wait_until(lambda: len(child_pids(master)) == 2, timeout=20, what="workers back")
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
        assert json.loads(response.read())["master"] == master
