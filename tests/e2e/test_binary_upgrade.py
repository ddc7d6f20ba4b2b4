"""nginx's binary upgrade for `strata -c nginx.conf`: USR2 starts a new master on the
same listening sockets, WINCH retires the old master's workers, QUIT ends the old master
(or HUP + QUIT new rolls back), and no client notices."""
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import STRATA_BIN, Strata, free_port, require_tool

SERVER = """
    server {
        listen 127.0.0.1:PORT;
        %s
        location / { return 200 "hello\\n"; }
        location = /pid { return 200 "$pid\\n"; }
    }
"""


def alive(pid):
    """Running, and not a zombie waiting for a parent that does not reap."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def parent_of(pid):
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def children(pid):
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return sorted(int(p) for p in out.stdout.split() if alive(int(p)))


def wait_until(predicate, timeout=15, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} not reached in time")


def read_pid(path):
    try:
        return int(Path(path).read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


class Site:
    """strata's config and files in `workdir`; started detached (`daemon on`, where
    nginx acts on WINCH) or in the foreground. Every master it saw is stopped at the end."""

    def __init__(self, workdir, binary=STRATA_BIN, daemon=True, workers=2, extra="",
                 http_extra=""):
        self.dir = Path(workdir)
        self.port = free_port()
        self.pid_file = self.dir / "strata.pid"
        self.oldbin = self.dir / "strata.pid.oldbin"
        self.error_log = self.dir / "error.log"
        self.conf = self.dir / "nginx.conf"
        self.binary = Path(binary)
        self.workers = workers
        self.masters = set()
        self.conf.write_text(
            f"daemon {'on' if daemon else 'off'};\nworker_processes {workers};\n"
            f"pid {self.pid_file};\nerror_log {self.error_log} info;\n"
            f"events {{ worker_connections 1024; }}\n"
            f"http {{\naccess_log off;\n{http_extra}\n"
            f"{SERVER.replace('PORT', str(self.port)) % extra}\n}}\n")
        self.foreground = None
        if daemon:
            started = subprocess.run([str(self.binary), "-c", str(self.conf)],
                                     capture_output=True, text=True, timeout=30)
            assert started.returncode == 0, started.stderr
        else:
            self.foreground = subprocess.Popen([str(self.binary), "-c", str(self.conf)],
                                               stdout=subprocess.DEVNULL,
                                               stderr=subprocess.DEVNULL)
        wait_until(lambda: read_pid(self.pid_file) is not None, what="pid file")
        self.master = self.pid()
        wait_until(lambda: len(self.workers_of(self.master)) == workers, what="workers")

    def pid(self):
        pid = read_pid(self.pid_file)
        if pid is not None:
            self.masters.add(pid)
        return pid

    def oldbin_pid(self):
        return read_pid(self.oldbin)

    def workers_of(self, master):
        """A master's worker processes: its children other than a new master."""
        masters = {self.pid(), self.oldbin_pid(), *self.masters}
        return [p for p in children(master) if p not in masters]

    def log(self):
        return self.error_log.read_text()

    def get(self, path="/", timeout=5):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read().decode()
        finally:
            connection.close()

    def serving_master(self):
        """The master whose worker answered a new connection."""
        status, body = self.get("/pid")
        assert status == 200
        return parent_of(int(body))

    def upgrade(self):
        """USR2 and wait for the new master to serve; returns (old, new)."""
        old = self.pid()
        os.kill(old, signal.SIGUSR2)
        wait_until(lambda: self.pid() not in (None, old) and self.oldbin_pid() == old,
                   what="new pid file")
        new = self.pid()
        wait_until(lambda: len(self.workers_of(new)) == self.workers, what="new workers")
        return old, new

    def stop(self):
        if self.foreground is not None and self.foreground.poll() is None:
            self.foreground.terminate()
            self.foreground.wait(timeout=10)
        for pid in [self.pid(), self.oldbin_pid(), *self.masters]:
            if pid is not None and alive(pid):
                os.kill(pid, signal.SIGTERM)
        for pid in self.masters:
            wait_until(lambda p=pid: not alive(p), what=f"exit of {pid}")


class Load:
    """A client thread asking without pause: one request on a new connection, then one
    on a kept-alive one, in turn. A kept-alive connection the server closed while idle
    (as a worker that stops gracefully does) is reopened and the request sent again, as
    HTTP clients do for a GET (RFC 9112, 9.3.1): only when no byte of a response came."""

    def __init__(self, port):
        self.port = port
        self.served = 0
        self.failures = []
        self.masters = set()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def fresh(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)

    def ask(self, connection):
        connection.request("GET", "/pid")
        response = connection.getresponse()
        body = response.read().decode()
        if response.status != 200:
            raise AssertionError(f"status {response.status}")
        self.served += 1
        try:
            self.masters.add(parent_of(int(body)))
        except FileNotFoundError:
            pass  # the worker left right after answering: it was told to stop

    def run(self):
        kept = None
        while not self.stopping.is_set():
            try:
                one = self.fresh()
                self.ask(one)
                one.close()
                if kept is None:
                    kept = self.fresh()
                    self.ask(kept)
                    continue
                try:
                    self.ask(kept)
                except (ConnectionResetError, BrokenPipeError,
                        http.client.RemoteDisconnected):
                    kept.close()
                    kept = self.fresh()
                    self.ask(kept)
            except Exception as error:  # every failure is a finding, kept for the assert
                self.failures.append(repr(error))
                kept = None

    def finish(self):
        self.stopping.set()
        self.thread.join(timeout=20)
        return self.failures


STARTED = []


@pytest.fixture(autouse=True)
def stop_started_sites():
    yield
    while STARTED:
        STARTED.pop().stop()


def start(*args, **kwargs):
    site = Site(*args, **kwargs)
    STARTED.append(site)
    return site


def test_upgrade_under_load_fails_no_request(tmp_path):
    wrk = require_tool("wrk")
    site = start(tmp_path)
    load = Load(site.port)
    flood = subprocess.Popen([wrk, "-t1", "-c10", "-d7s", f"http://127.0.0.1:{site.port}/"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(1)
    old, new = site.upgrade()
    assert parent_of(new) == old  # forked by the old master, which keeps serving
    assert len(site.workers_of(old)) == 2
    log = site.log()
    assert f"start new binary process {new}" in log
    assert re.search(rf"\[notice\] {new}#\d+: using inherited sockets from \"\d+;\"", log)

    # Both sets of workers accept on the one socket.
    wait_until(lambda: site.serving_master() == old, what="old workers serving")
    wait_until(lambda: site.serving_master() == new, what="new workers serving")

    os.kill(old, signal.SIGWINCH)
    wait_until(lambda: site.workers_of(old) == [], what="old workers gone")
    assert alive(old)
    time.sleep(1)
    os.kill(old, signal.SIGQUIT)
    wait_until(lambda: not alive(old), what="old master gone")
    assert not site.oldbin.exists()
    assert site.pid() == new

    out, _ = flood.communicate(timeout=30)
    failures = load.finish()
    assert failures == []
    assert load.served > 100
    assert {old, new} <= load.masters
    assert re.search(r"\d+ requests in", out), out
    assert "Non-2xx" not in out, out
    assert "Socket errors" not in out, out
    for _ in range(20):
        assert site.serving_master() == new


def test_second_usr2_is_refused_while_an_upgrade_is_under_way(tmp_path):
    site = start(tmp_path, workers=1)
    old, new = site.upgrade()
    os.kill(old, signal.SIGUSR2)  # the old master has a new binary already
    os.kill(new, signal.SIGUSR2)  # the new master's old one still runs
    refusal = "the changing binary signal is ignored"
    wait_until(lambda: site.log().count(refusal) == 2, what="two refusals")
    assert re.search(rf"\[crit\] {old}#\d+: {refusal}", site.log())
    assert re.search(rf"\[crit\] {new}#\d+: {refusal}", site.log())
    assert site.pid() == new and site.oldbin_pid() == old
    assert children(new) == site.workers_of(new)  # no third master
    # Once the old master is gone the new one may upgrade in its turn.
    os.kill(old, signal.SIGQUIT)
    wait_until(lambda: not alive(old), what="old master gone")
    _, newest = site.upgrade()
    assert site.oldbin_pid() == new and parent_of(newest) == new


def test_rollback_brings_the_old_binary_back(tmp_path):
    site = start(tmp_path)
    load = Load(site.port)
    old, new = site.upgrade()
    os.kill(old, signal.SIGWINCH)
    wait_until(lambda: site.workers_of(old) == [], what="old workers gone")
    wait_until(lambda: site.serving_master() == new, what="new serving")

    os.kill(old, signal.SIGHUP)  # the new binary misbehaves: old workers come back
    wait_until(lambda: len(site.workers_of(old)) == 2, what="old workers back")
    os.kill(new, signal.SIGQUIT)
    wait_until(lambda: not alive(new), what="new master gone")
    wait_until(lambda: site.pid() == old and not site.oldbin.exists(), what="pid file back")
    assert f"new binary process {new} exited with code 0" in site.log()
    failures = load.finish()
    assert failures == []
    assert {old, new} <= load.masters
    for _ in range(20):
        assert site.serving_master() == old
    # The old master is whole again: the pid file commands reach it.
    assert subprocess.run([str(STRATA_BIN), "-c", str(site.conf), "-s", "quit"],
                          capture_output=True).returncode == 0
    wait_until(lambda: not alive(old), what="old master gone")
    assert not site.pid_file.exists()


def test_new_master_exit_after_winch_restarts_the_old_workers(tmp_path):
    site = start(tmp_path, workers=1)
    old, new = site.upgrade()
    os.kill(old, signal.SIGWINCH)
    wait_until(lambda: site.workers_of(old) == [], what="old workers gone")
    os.kill(new, signal.SIGTERM)  # dies without a HUP to the old master first
    wait_until(lambda: len(site.workers_of(old)) == 1, what="old workers restarted")
    wait_until(lambda: site.pid() == old, what="pid file back")
    assert site.get()[0] == 200


def test_failed_exec_keeps_the_old_master_serving(tmp_path):
    binary = tmp_path / "strata-copy"
    shutil.copy2(STRATA_BIN, binary)
    site = start(tmp_path, binary=binary, workers=1)
    master = site.master
    moved = tmp_path / "strata-moved"
    binary.rename(moved)  # a botched install: nothing at the path the master runs from
    os.kill(master, signal.SIGUSR2)
    wait_until(lambda: "exited with code 1" in site.log(), what="failed new binary reaped")
    wait_until(lambda: site.pid() == master and not site.oldbin.exists(), what="pid file back")
    log = site.log()
    assert re.search(r"\[alert\] \d+#\d+: execvp\(\) failed \(2: No such file or directory\) "
                     rf"while executing new binary process \"{binary}\"", log), log
    assert re.search(rf"new binary process \d+ exited with code 1", log)
    assert len(site.workers_of(master)) == 1
    assert site.serving_master() == master
    # Nothing is left half-done: with the binary back, the upgrade goes through.
    moved.rename(binary)
    old, new = site.upgrade()
    assert old == master and alive(new)


def test_malformed_hand_over_starts_nothing(tmp_path):
    for value, error in [("oops;", 'invalid socket number "oops" in STRATA_LISTEN_FDS="oops;"'),
                         ("5", 'socket number "5" not followed by ";"'),
                         ("1;", "inherited socket 1 is unusable")]:
        site_dir = tmp_path / value.replace(";", "_")
        site_dir.mkdir()
        port = free_port()
        conf = site_dir / "nginx.conf"
        conf.write_text(f"daemon off;\npid {site_dir}/strata.pid;\nerror_log stderr;\n"
                        f"events {{}}\nhttp {{ server {{ listen 127.0.0.1:{port}; }} }}\n")
        env = dict(os.environ, STRATA_LISTEN_FDS=value)
        run = subprocess.run([str(STRATA_BIN), "-c", str(conf)], env=env, capture_output=True,
                             text=True, timeout=30, stdin=subprocess.DEVNULL)
        assert run.returncode == 1, run.stderr
        assert "[emerg]" in run.stderr and error in run.stderr, run.stderr
        assert not (site_dir / "strata.pid").exists()
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_foreground_master_ignores_winch_as_nginx_does(tmp_path):
    site = start(tmp_path, daemon=False, workers=1)
    workers = site.workers_of(site.master)
    os.kill(site.master, signal.SIGWINCH)
    wait_until(lambda: "SIGWINCH ignored" in site.log(), what="log line")
    time.sleep(0.5)
    assert site.workers_of(site.master) == workers
    assert site.get()[0] == 200


def test_foreground_upgrade_keeps_unix_socket_files(tmp_path):
    path = tmp_path / "front.sock"
    site = start(tmp_path, daemon=False, workers=1, extra=f"listen unix:{path};")
    old, new = site.upgrade()
    os.kill(old, signal.SIGQUIT)
    assert site.foreground.wait(timeout=15) == 0
    assert not site.oldbin.exists() and site.pid() == new
    assert path.is_socket()  # the old master left the file to the new one
    curl = subprocess.run([require_tool("curl"), "-s", "--unix-socket", str(path),
                           "http://x/pid"], capture_output=True, text=True, timeout=10)
    assert parent_of(int(curl.stdout)) == new
    assert site.serving_master() == new


def test_new_binary_with_a_bad_configuration_changes_nothing(tmp_path):
    site = start(tmp_path, workers=1)
    master = site.master
    site.conf.write_text(site.conf.read_text().replace("location / {", "location / { lisen;"))
    os.kill(master, signal.SIGUSR2)
    wait_until(lambda: "exited with code 1" in site.log(), what="failed new binary reaped")
    wait_until(lambda: site.pid() == master and not site.oldbin.exists(), what="pid file back")
    assert re.search(r"new binary process \d+ exited with code 1", site.log())
    assert len(site.workers_of(master)) == 1
    assert site.serving_master() == master


def test_rollback_keeps_the_old_masters_unix_socket_file(tmp_path):
    path = tmp_path / "front.sock"
    site = start(tmp_path, workers=1, extra=f"listen unix:{path};")
    old, new = site.upgrade()
    os.kill(new, signal.SIGQUIT)
    wait_until(lambda: not alive(new), what="new master gone")
    wait_until(lambda: site.pid() == old, what="pid file back")
    assert path.is_socket()  # the new master left the file to the old one
    curl = subprocess.run([require_tool("curl"), "-s", "--unix-socket", str(path),
                           "http://x/pid"], capture_output=True, text=True, timeout=10)
    assert parent_of(int(curl.stdout)) == old


PID_APP = """
import os
def app(environ, start_response):
    body = ("%d %d" % (os.getpid(), os.getppid())).encode()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [body]
"""


def test_upgrade_of_a_master_hosting_apps(tmp_path):
    # A configuration with apps runs its master inside python3; the new binary must come
    # up the same way, take the sockets over and serve the app, while no request fails.
    (tmp_path / "pid_app.py").write_text(PID_APP)
    site = start(tmp_path, http_extra=f"wsgi_chdir {tmp_path};",
                 extra="location /app { wsgi_app pid_app:app; }")
    status, body = site.get("/app")
    assert status == 200 and int(body.split()[1]) == site.master
    load = Load(site.port)
    old, new = site.upgrade()
    assert parent_of(new) == old
    assert os.path.realpath(f"/proc/{new}/exe") == os.path.realpath("/usr/bin/python3")
    os.kill(old, signal.SIGWINCH)
    wait_until(lambda: site.workers_of(old) == [], what="old workers gone")
    os.kill(old, signal.SIGQUIT)
    wait_until(lambda: not alive(old), what="old master gone")
    assert load.finish() == []
    assert load.served > 0 and {old, new} <= load.masters
    for _ in range(5):
        status, body = site.get("/app")
        assert status == 200 and int(body.split()[1]) == new
