"""error_log in http, server and location blocks, checked against Debian's nginx: a
request's errors go to the logs of the level that handled it (inherited http → server →
location), each log keeps only its levels, and USR1 reopens them all."""
import os
import re
import signal
import socket
import time

import pytest

from conftest import Nginx, Strata

HTTP_BLOCK = """
    access_log off;
    error_log LOGDIR/http.log;
    server {
        listen 127.0.0.1:PORT;
        server_name one.test;
        root ROOT;
        location / { }
        location /loc/ { error_log LOGDIR/loc.log warn; error_log LOGDIR/loc-crit.log crit; }
        location /critonly/ { error_log LOGDIR/critonly.log crit; }
        location /quiet/ { log_not_found off; }
        location /ret { return 404; }
        location /tf { try_files $uri =404; }
    }
    server {
        listen 127.0.0.1:PORT;
        server_name two.test;
        root ROOT;
        error_log LOGDIR/server.log info;
        location / { }
        location /own/ { error_log LOGDIR/own.log; }
    }
"""

LOGS = ["http.log", "loc.log", "loc-crit.log", "critonly.log", "server.log", "own.log"]

# (host, target, extra header lines)
REQUESTS = [
    ("one.test", "/missing", ""),
    ("one.test", "/missing", "Referer: http://from.test/page\r\n"),
    ("one.test", "/loc/missing", ""),
    ("one.test", "/critonly/missing", ""),
    ("one.test", "/quiet/missing", ""),
    ("one.test", "/ret", ""),
    ("one.test", "/tf", ""),
    ("one.test", "/dir/", ""),
    ("one.test", "/nodir/", ""),
    ("one.test", "/file.html/more", ""),
    ("two.test", "/missing?q=1", ""),
    ("two.test", "/own/missing", ""),
]

# "2026/11/24 08:03:43 [error] 19580#19580: *1 " → "[error] "
LINE_PREFIX = re.compile(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[(\w+)\] \d+#\d+: (?:\*\d+ )?")


def make_root(root):
    (root / "dir").mkdir(parents=True)
    (root / "loc").mkdir()
    (root / "file.html").write_text("file\n")
    (root / "index.html").write_text("index\n")


def send(port, host, target, extra=""):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\n{extra}"
                     f"Connection: close\r\n\r\n".encode())
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    return int(reply.split(b" ", 2)[1])


def log_lines(directory, name):
    path = directory / name
    if not path.exists():
        return None
    return [LINE_PREFIX.sub(r"[\1] ", line) for line in path.read_text().splitlines()]


def settled_logs(directory, expected_lines, timeout=3.0):
    """Every level log's lines, once `expected_lines` of them are there (or time is up)."""
    deadline = time.monotonic() + timeout
    while True:
        logs = {name: log_lines(directory, name) for name in LOGS}
        count = sum(len(lines or []) for lines in logs.values())
        if count >= expected_lines or time.monotonic() > deadline:
            return logs
        time.sleep(0.05)


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    base = tmp_path_factory.mktemp("error-log-levels")
    root = base / "html"
    make_root(root)
    servers = []
    try:
        for name, kind in (("nginx", Nginx), ("strata", Strata)):
            directory = base / name
            directory.mkdir()
            block = HTTP_BLOCK.replace("LOGDIR", str(directory)).replace("ROOT", str(root))
            servers.append(kind(directory, block))
        yield servers
    finally:
        for server in servers:
            server.stop()


def test_each_level_logs_where_nginx_does(pair):
    nginx, strata = pair
    for host, target, extra in REQUESTS:
        statuses = [send(server.port, host, target, extra) for server in pair]
        assert statuses[0] == statuses[1], (target, statuses)
    expected = settled_logs(nginx.dir, 9)
    actual = settled_logs(strata.dir, 9)
    assert actual == expected
    # What the comparison covers, spelled out.
    http = expected["http.log"]
    assert any(line.startswith('[error] open() "') and "/html/missing\" failed "
               "(2: No such file or directory), client: 127.0.0.1, server: one.test, "
               'request: "GET /missing HTTP/1.1", host: "one.test"' in line for line in http)
    assert any(line.endswith('referrer: "http://from.test/page"') for line in http)
    assert any("directory index of" in line and "/html/dir/\" is forbidden" in line
               for line in http)
    assert any('/html/nodir/index.html" is not found (2: No such file or directory)' in line
               for line in http)
    assert any("(20: Not a directory)" in line for line in http)
    assert len(http) == 5
    assert len(expected["loc.log"]) == 1 and "/loc/missing" in expected["loc.log"][0]
    assert expected["loc-crit.log"] == [] and expected["critonly.log"] == []
    assert len(expected["server.log"]) == 1
    assert 'server: two.test, request: "GET /missing?q=1 HTTP/1.1"' in expected["server.log"][0]
    assert len(expected["own.log"]) == 1 and "/own/missing" in expected["own.log"][0]
    # Nothing about these requests reached the main error log.
    assert "open()" not in strata.error_log.read_text()


def test_usr1_reopens_the_level_logs(pair):
    strata = pair[1]
    for name in ("loc.log", "server.log"):
        (strata.dir / name).rename(strata.dir / (name + ".1"))
    os.kill(int(strata.pid_file.read_text().strip()), signal.SIGUSR1)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not all(
            (strata.dir / name).exists() for name in ("loc.log", "server.log")):
        time.sleep(0.05)
    assert (strata.dir / "loc.log").exists(), "USR1 did not reopen loc.log"
    assert (strata.dir / "server.log").exists(), "USR1 did not reopen server.log"
    assert send(strata.port, "one.test", "/loc/after-usr1") == 404
    assert send(strata.port, "two.test", "/after-usr1") == 404
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and not (log_lines(strata.dir, "server.log")
                                               and log_lines(strata.dir, "loc.log")):
        time.sleep(0.05)
    assert "/loc/after-usr1" in log_lines(strata.dir, "loc.log")[0]
    assert "/after-usr1" in log_lines(strata.dir, "server.log")[0]
    assert "after-usr1" not in (strata.dir / "loc.log.1").read_text()
