"""`strata -c nginx.conf` as nginx's users run it: -t/-T, -s signals, reloads under
load, worker replacement, graceful stop."""
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from conftest import SOURCE_DIR, STRATA_BIN, Strata, require_tool

SERVER = """
    server {
        listen 127.0.0.1:PORT;
        root %s;
        location / { }
        location = /generation { return 200 "%s\\n"; }
    }
"""


STARTED = []


@pytest.fixture(autouse=True)
def stop_started_servers():
    """Whatever a test asserts, the servers it started do not outlive it."""
    yield
    while STARTED:
        STARTED.pop().stop()


def start(tmp_path, generation="one", workers=2):
    root = tmp_path / "html"
    root.mkdir(exist_ok=True)
    (root / "index.html").write_text("Hello World\n")
    server = Strata(tmp_path, SERVER % (root, generation), workers=workers)
    STARTED.append(server)
    wait_until(lambda: len(worker_pids(server)) == workers)
    return server


def worker_pids(server):
    out = subprocess.run(["pgrep", "-P", str(server.proc.pid)], capture_output=True, text=True)
    return sorted(int(p) for p in out.stdout.split())


def wait_until(predicate, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def generation_of(server):
    return requests.get(f"{server.url}/generation", timeout=5).text.strip()


def rewrite_generation(server, old, new):
    server.conf.write_text(server.conf.read_text().replace(f'"{old}\\n"', f'"{new}\\n"'))


def test_t_reports_like_nginx(tmp_path):
    conf = tmp_path / "nginx.conf"
    conf.write_text("events {}\nhttp {\n  server {\n    lisen 80;\n  }\n}\n")
    bad = subprocess.run([str(STRATA_BIN), "-t", "-c", str(conf)], capture_output=True, text=True)
    assert bad.returncode == 1
    assert f'[emerg] unknown directive "lisen" in {conf}:4' in bad.stderr
    assert f"configuration file {conf} test failed" in bad.stderr
    conf.write_text("events {}\nhttp { server { listen 127.0.0.1:1; } }\n")
    good = subprocess.run([str(STRATA_BIN), "-t", "-c", str(conf)], capture_output=True, text=True)
    assert good.returncode == 0
    assert f"the configuration file {conf} syntax is ok" in good.stderr
    dump = subprocess.run([str(STRATA_BIN), "-T", "-c", str(conf)], capture_output=True, text=True)
    assert dump.stdout.startswith(f"# configuration file {conf}:\n")


def error_log_lines_after_a_bad_start(binary, workdir, log_args=()):
    """Starts `binary` on a broken config in `workdir`; its error-log lines, stamp-less."""
    (workdir / "logs").mkdir(parents=True)
    conf = workdir / "nginx.conf"
    conf.write_text("events {}\nhttp {\n  lisen 80;\n}\n")
    args = [binary, "-p", f"{workdir}/", "-c", str(conf), *log_args]
    result = subprocess.run(args, capture_output=True, text=True, timeout=10)
    assert result.returncode == 1
    assert f'[emerg] unknown directive "lisen" in {conf}:3' in result.stderr
    log = Path(log_args[1]) if log_args else workdir / "logs/error.log"
    # "2026/12/06 21:15:10 [emerg] 14470#14470: message": the stamp and pids differ.
    return [re.sub(r"^\S+ \S+ (\[\w+\]) \d+#\d+: ", r"\1 ", line).replace(str(workdir), "DIR")
            for line in log.read_text().splitlines()]


def test_config_error_at_start_is_in_the_error_log_as_nginx_writes_it(tmp_path):
    # nginx opens its error log before reading the configuration, so a master started
    # with no terminal (a binary upgrade's) still leaves its reason there.
    lines = {}
    for name, binary in (("nginx", "/usr/sbin/nginx"), ("strata", str(STRATA_BIN))):
        workdir = tmp_path / name
        lines[name] = error_log_lines_after_a_bad_start(
            binary, workdir, ["-e", str(workdir / "logs/custom.log")])
    assert lines["strata"] == lines["nginx"]
    assert lines["strata"] == ['[emerg] unknown directive "lisen" in DIR/nginx.conf:3']
    # Without -e: strata's default log, logs/error.log under the prefix (Debian's nginx
    # has /var/log/nginx/error.log compiled in instead).
    default = error_log_lines_after_a_bad_start(str(STRATA_BIN), tmp_path / "default")
    assert default == ['[emerg] unknown directive "lisen" in DIR/nginx.conf:3']


def test_seed_config_loads_as_is(tmp_path):
    seed = tmp_path / "seed"
    shutil.copytree(SOURCE_DIR / "examples/seed", seed, ignore=shutil.ignore_patterns("logs"))
    result = subprocess.run([str(STRATA_BIN), "-t", "-c", str(seed / "nginx.conf")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_reload_under_load_fails_no_request(tmp_path):
    wrk = require_tool("wrk")
    server = start(tmp_path, "one")
    try:
        load = subprocess.Popen([wrk, "-t1", "-c20", "-d8s", f"{server.url}/"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(1)
        names = ["two", "three", "four", "five", "six"]
        previous = "one"
        for name in names:
            rewrite_generation(server, previous, name)
            assert server.command("-s", "reload").returncode == 0
            wait_until(lambda n=name: generation_of(server) == n)
            previous = name
            time.sleep(0.8)
        out, _ = load.communicate(timeout=30)
        assert re.search(r"\d+ requests in", out), out
        assert "Non-2xx" not in out, out
        assert "Socket errors" not in out, out
        assert generation_of(server) == "six"
    finally:
        server.stop()


def test_bad_reload_keeps_the_running_configuration(tmp_path):
    server = start(tmp_path, "good", workers=1)
    try:
        workers = worker_pids(server)
        server.conf.write_text(server.conf.read_text().replace("location / { }", "location / { lisen; }"))
        server.proc.send_signal(signal.SIGHUP)
        time.sleep(1)
        assert generation_of(server) == "good"
        assert worker_pids(server) == workers
        assert "unknown directive" in server.error_log.read_text()
    finally:
        server.stop()


def test_killed_worker_is_replaced(tmp_path):
    server = start(tmp_path, "one", workers=2)
    try:
        victim = worker_pids(server)[0]
        os.kill(victim, signal.SIGKILL)
        wait_until(lambda: len(worker_pids(server)) == 2 and victim not in worker_pids(server))
        assert requests.get(f"{server.url}/", timeout=5).text == "Hello World\n"
    finally:
        server.stop()


def test_quit_finishes_in_flight_requests_then_exits(tmp_path):
    server = start(tmp_path, "one", workers=1)
    root = tmp_path / "html"
    (root / "big.bin").write_bytes(os.urandom(8 * 1024 * 1024))
    sock = server.connect(timeout=20)
    sock.sendall(b"GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n")
    first = sock.recv(1024)
    server.proc.send_signal(signal.SIGQUIT)
    received = len(first)
    while True:
        chunk = sock.recv(1 << 20)
        if not chunk:
            break
        received += len(chunk)
    sock.close()
    assert received > 8 * 1024 * 1024
    assert server.proc.wait(timeout=10) == 0
    assert not server.pid_file.exists()


def test_stop_signal_through_the_pid_file(tmp_path):
    server = start(tmp_path, "one", workers=1)
    assert Path(server.pid_file).read_text().strip() == str(server.proc.pid)
    assert server.command("-s", "stop").returncode == 0
    assert server.proc.wait(timeout=10) == 0
    missing = server.command("-s", "reload")
    assert missing.returncode == 1
    assert f'open() "{server.pid_file}" failed (2: No such file or directory)' in missing.stderr


def test_worker_connections_limits_clients(tmp_path):
    root = tmp_path / "html"
    root.mkdir()
    (root / "index.html").write_text("Hello World\n")
    # One listening socket and four clients fill five worker_connections.
    server = Strata(tmp_path, SERVER % (root, "one"))
    STARTED.append(server)
    try:
        server.conf.write_text(
            server.conf.read_text().replace("worker_connections 1024", "worker_connections 5"))
        old = worker_pids(server)
        assert server.command("-s", "reload").returncode == 0
        wait_until(lambda: len(worker_pids(server)) == 1 and worker_pids(server) != old)
        held = [server.connect() for _ in range(4)]
        for sock in held:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
            assert sock.recv(4096).startswith(b"HTTP/1.1 200 OK")
        extra = server.connect()
        extra.settimeout(5)
        assert extra.recv(4096) == b""  # closed at once
        assert "5 worker_connections are not enough" in server.error_log.read_text()
        for sock in held:
            sock.close()
        wait_until(lambda: serves(server))  # the slots are free again
    finally:
        server.stop()


def serves(server):
    try:
        return requests.get(f"{server.url}/", timeout=5).status_code == 200
    except requests.ConnectionError:
        return False
