"""Fixtures for end-to-end tests: real strata processes on 127.0.0.1, ports from the OS."""
import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

SOURCE_DIR = Path(os.environ.get("STRATA_SOURCE_DIR", Path(__file__).resolve().parents[2]))
STRATA_BIN = Path(os.environ.get("STRATA_BIN", SOURCE_DIR / "build/dev/src/strata/cli/strata"))


def require_tool(name):
    """A missing tool fails the test: it never skips."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: run scripts/install-deps")
    return path


def free_port():
    """A port the OS just handed out on 127.0.0.1 (closed again for the server to bind)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def config_test_by_nginx_and_strata(tmp_path, server_line):
    """`-t` by nginx 1.22 and by strata of one config whose server holds `server_line`
    (line 5 of the file): the config's path and [(binary, completed process)]."""
    conf = tmp_path / "nginx.conf"
    conf.write_text("events {}\nhttp {\n    server {\n        listen 127.0.0.1:1;\n"
                    f"        {server_line}\n    }}\n}}\n")
    results = [(binary, subprocess.run([binary, "-t", "-p", str(tmp_path), "-c", str(conf)],
                                       capture_output=True, text=True, timeout=30))
               for binary in ("/usr/sbin/nginx", str(STRATA_BIN))]
    return conf, results


class Strata:
    """A running `strata -c nginx.conf` (master and workers), in the foreground."""

    def __init__(self, workdir, http_block, main_extra="", workers=1, worker_connections=1024):
        if not STRATA_BIN.exists():
            pytest.fail(f"strata binary not built: {STRATA_BIN}")
        self.dir = Path(workdir)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.conf = self.dir / "nginx.conf"
        self.pid_file = self.dir / "strata.pid"
        self.error_log = self.dir / "error.log"
        self.conf.write_text(
            f"daemon off;\nworker_processes {workers};\npid {self.pid_file};\n"
            f"error_log {self.error_log} info;\n{main_extra}\n"
            f"events {{ worker_connections {worker_connections}; }}\n"
            f"http {{\n{http_block.replace('PORT', str(self.port))}\n}}\n")
        self.proc = subprocess.Popen([str(STRATA_BIN), "-c", str(self.conf)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if not wait_for_port(self.port, self.proc):
            self.proc.kill()
            pytest.fail(f"strata did not start: {self.proc.stderr.read()!r}")

    def connect(self, timeout=5):
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)

    def command(self, *args):
        return subprocess.run([str(STRATA_BIN), "-c", str(self.conf), *args],
                              capture_output=True, text=True, timeout=30)

    def stop(self):
        stop_process(self.proc)


def stop_process(proc):
    """TERM, then KILL if it lingers; closes the stderr pipe."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stderr:
        proc.stderr.close()


NGINX_BIN = Path("/usr/sbin/nginx")


class Nginx:
    """Debian's nginx in the foreground, one worker, on a port and prefix of its own:
    the reference differential tests compare strata with."""

    def __init__(self, workdir, http_block):
        if not NGINX_BIN.exists():
            pytest.fail(f"{NGINX_BIN} is not installed: run scripts/install-deps")
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Temp paths inside the test dir: nginx would otherwise create and chown
        # Debian's /var/lib/nginx directories.
        temp = "".join(f"{kind}_temp_path {self.dir}/{kind}_temp;\n"
                       for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        user = "user root;\n" if os.geteuid() == 0 else ""
        conf = self.dir / "nginx.conf"
        conf.write_text(
            f"daemon off;\nmaster_process on;\nworker_processes 1;\n{user}"
            f"pid {self.dir}/nginx.pid;\nerror_log {self.dir}/nginx-error.log;\n"
            f"events {{ worker_connections 1024; }}\n"
            f"http {{\n{temp}{http_block.replace('PORT', str(self.port))}\n}}\n")
        self.proc = subprocess.Popen(
            [str(NGINX_BIN), "-p", str(self.dir), "-c", str(conf),
             "-e", str(self.dir / "nginx-error.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if not wait_for_port(self.port, self.proc):
            self.proc.kill()
            pytest.fail(f"nginx did not start: {self.proc.stderr.read()!r}")

    def stop(self):
        stop_process(self.proc)


STATIC_SERVER = """
    server {
        listen 127.0.0.1:PORT;
        root ROOT;
        location / { }
    }
"""


@pytest.fixture
def site(tmp_path):
    """A document root like the seed's, plus files the tests need."""
    root = tmp_path / "html"
    (root / "path/to").mkdir(parents=True)
    (root / "index.html").write_bytes(b"Hello World\n")
    (root / "path/to/resource").write_bytes(b"You found the resource.\n")
    (root / "empty").mkdir()
    (root / "big.bin").write_bytes(os.urandom(5 * 1024 * 1024 + 7))
    return root


@pytest.fixture(scope="session")
def authority(tmp_path_factory):
    """A root and an intermediate CA (tls_certs.Authority) for the TLS tests' certificates."""
    from tls_certs import Authority  # it imports this module: not at the top
    return Authority(tmp_path_factory.mktemp("ca"))


@pytest.fixture
def strata(site, tmp_path):
    server = Strata(tmp_path, STATIC_SERVER.replace("ROOT", str(site)))
    yield server
    server.stop()
    assert server.proc.returncode == 0, "strata did not exit cleanly on SIGTERM"


def exchange(sock, data, timeout=5):
    """Sends `data`, returns every byte until the server closes (or `timeout`)."""
    sock.sendall(data)
    sock.settimeout(timeout)
    chunks = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def statuses(reply):
    """The status codes of every response in `reply`, in order."""
    return [int(code) for code in re.findall(rb"(?:^|\n)HTTP/1\.1 (\d{3}) ", reply)]


def read_response(sock):
    """Reads one response with a Content-Length body: (status, headers, body, leftover)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before a full head: {data!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed inside the body")
        rest += chunk
    return status, headers, rest[:length], rest[length:]
