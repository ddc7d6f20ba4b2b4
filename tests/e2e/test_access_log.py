"""The access log: nginx's combined line (checked against Debian's nginx), log_format
variables and escaping, `access_log off`, config errors, and USR1 reopening."""
import os
import re
import signal
import subprocess
import time

import pytest

from conftest import STRATA_BIN, Nginx, Strata, exchange


TIME_LOCAL = r"\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}"

SERVER = """
    access_log LOGDIR/access.log;
    server_tokens off;
    server {
        listen 127.0.0.1:PORT;
        root ROOT;
        location / { }
        location /quiet/ { access_log off; }
    }
"""

# (request bytes, what it exercises) sent to both servers, one connection each.
REQUESTS = [
    b"GET /index.html HTTP/1.1\r\nHost: a\r\nUser-Agent: probe/1.0\r\n"
    b"Referer: http://example.test/from\r\nConnection: close\r\n\r\n",
    b"GET /index.html?x=1&y=%22 HTTP/1.0\r\nUser-Agent: say \"hi\" \\ \xc3\xa9\r\n\r\n",
    b"HEAD /index.html HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    b"GET /missing HTTP/1.1\r\nHost: a\r\nConnection: close\r\n"
    b"Authorization: Basic YWxpY2U6c2VjcmV0\r\n\r\n",
    b"GET /path/to HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    b"GET /quiet/ HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
]


def send(port, data):
    import socket
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        return exchange(sock, data)


def content_length(reply, is_head):
    if is_head:
        return 0
    match = re.search(rb"\r\nContent-Length: (\d+)\r\n", reply)
    return int(match.group(1)) if match else 0


def wait_for_lines(path, count, timeout=5):
    """The log's lines once it has `count` of them (workers write after responding)."""
    deadline = time.monotonic() + timeout
    lines = []
    while time.monotonic() < deadline:
        if path.exists():
            lines = path.read_bytes().decode("latin-1").splitlines()
            if len(lines) >= count:
                return lines
        time.sleep(0.05)
    return lines


def run_requests(port, log):
    sizes = []
    for request in REQUESTS:
        reply = send(port, request)
        sizes.append(content_length(reply, request.startswith(b"HEAD")))
    return wait_for_lines(log, len(REQUESTS) - 1), sizes


def normalised(line, size):
    """The line with its time replaced, after checking the byte count is what was sent."""
    match = re.fullmatch(rf'(.*) \[{TIME_LOCAL}\] (".*") (\d{{3}}) (\d+) (".*" ".*")', line)
    assert match, line
    assert int(match.group(4)) == size, line
    return f"{match.group(1)} [TIME] {match.group(2)} {match.group(3)} N {match.group(5)}"


@pytest.fixture
def both(site, tmp_path):
    servers = {}
    for name, start in (("strata", Strata), ("nginx", Nginx)):
        logdir = tmp_path / name
        logdir.mkdir()
        block = SERVER.replace("LOGDIR", str(logdir)).replace("ROOT", str(site))
        servers[name] = (start(logdir, block), logdir / "access.log")
    yield servers
    for server, _ in servers.values():
        server.stop()


def test_combined_line_is_nginxs(both):
    results = {name: run_requests(server.port, log) for name, (server, log) in both.items()}
    strata_lines, strata_sizes = results["strata"]
    nginx_lines, nginx_sizes = results["nginx"]
    assert len(nginx_lines) == len(REQUESTS) - 1  # /quiet/ is not logged
    assert len(strata_lines) == len(nginx_lines), strata_lines
    logged = [i for i, r in enumerate(REQUESTS) if b"/quiet/" not in r]
    for line_s, line_n, i in zip(strata_lines, nginx_lines, logged):
        assert normalised(line_s, strata_sizes[i]) == normalised(line_n, nginx_sizes[i])
    assert strata_lines[0].startswith('127.0.0.1 - - [')
    assert strata_lines[0].endswith(
        '] "GET /index.html HTTP/1.1" 200 12 "http://example.test/from" "probe/1.0"')
    assert strata_lines[1].endswith('"say \\x22hi\\x22 \\x5C \\xC3\\xA9"')
    assert strata_lines[3].startswith("127.0.0.1 - alice [")


CUSTOM = """
    log_format plain '$request_method $uri?$args $status $body_bytes_sent $bytes_sent '
                     '$request_time $msec "$http_x_test" $remote_user $request_length '
                     '[$time_local] $time_iso8601';
    log_format json escape=json '{"uri":"$uri","ua":"$http_user_agent","ref":"$http_referer"}';
    server {
        listen 127.0.0.1:PORT;
        root ROOT;
        access_log LOGDIR/plain.log plain buffer=32k flush=1s;
        access_log LOGDIR/json.log json;
        location / { }
        location /only-json/ { access_log LOGDIR/json.log json; }
    }
"""


def test_custom_formats(site, tmp_path):
    server = Strata(tmp_path, CUSTOM.replace("LOGDIR", str(tmp_path)).replace("ROOT", str(site)))
    try:
        send(server.port, b"GET /index.html?a=1 HTTP/1.1\r\nHost: a\r\nX-Test: v\"\r\n"
                          b"User-Agent: ua \"q\"\r\nConnection: close\r\n\r\n")
        send(server.port, b"GET /only-json/ HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        plain = wait_for_lines(tmp_path / "plain.log", 1)
        json_lines = wait_for_lines(tmp_path / "json.log", 2)
    finally:
        server.stop()
    assert len(plain) == 1, plain
    assert re.fullmatch(
        r'GET /index.html\?a=1 200 12 (\d+) \d+\.\d{3} \d{10}\.\d{3} "v\\x22" - (\d+) '
        rf"\[{TIME_LOCAL}\] \d{{4}}-\d{{2}}-\d{{2}}T\d{{2}}:\d{{2}}:\d{{2}}[+-]\d{{2}}:\d{{2}}",
        plain[0]), plain[0]
    sent = int(re.search(r" 200 12 (\d+) ", plain[0]).group(1))
    assert 12 + 100 < sent < 12 + 400  # the head plus the body
    assert json_lines[0] == '{"uri":"/index.html","ua":"ua \\"q\\"","ref":""}'
    assert json_lines[1] == '{"uri":"/only-json/","ua":"","ref":""}'


def check_config(tmp_path, http_block):
    conf = tmp_path / "check.conf"
    conf.write_text(f"events {{}}\nhttp {{\n{http_block}\n}}\n")
    return subprocess.run([str(STRATA_BIN), "-t", "-c", str(conf)],
                          capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("block, message", [
    ("log_format f '$remote_addr $nosuch';", 'unknown "nosuch" variable'),
    ("access_log logs/a.log nosuch;", 'unknown log format "nosuch"'),
    ("log_format f escape=xml '$uri';", 'unknown log format escaping "xml"'),
])
def test_config_errors_name_the_line(tmp_path, block, message):
    result = check_config(tmp_path, block)
    assert result.returncode == 1
    assert f"[emerg] {message} in {tmp_path}/check.conf:3" in result.stderr, result.stderr


def test_usr1_reopens_access_and_error_logs(site, tmp_path):
    server = Strata(tmp_path, SERVER.replace("LOGDIR", str(tmp_path)).replace("ROOT", str(site)))
    log = tmp_path / "access.log"
    try:
        send(server.port, b"GET /index.html HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        assert len(wait_for_lines(log, 1)) == 1
        log.rename(tmp_path / "access.log.1")
        server.error_log.rename(tmp_path / "error.log.1")
        master = int(server.pid_file.read_text().strip())
        os.kill(master, signal.SIGUSR1)
        deadline = time.monotonic() + 5
        while not log.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert log.exists(), "USR1 did not reopen access.log"
        send(server.port, b"GET /path/to/resource HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        lines = wait_for_lines(log, 1)
        assert len(lines) == 1 and '"GET /path/to/resource HTTP/1.1" 200 24 ' in lines[0], lines
        old = (tmp_path / "access.log.1").read_text().splitlines()
        assert len(old) == 1 and '"GET /index.html HTTP/1.1" 200 12 ' in old[0]
        assert server.error_log.exists(), "USR1 did not reopen error.log"
    finally:
        server.stop()
