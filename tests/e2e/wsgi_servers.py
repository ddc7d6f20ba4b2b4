"""WSGI servers for end-to-end tests: `strata wsgi` and, to prove the expectations are
gunicorn's, Debian's gunicorn 20.1 run the same way."""
import importlib
import os
import re
import socket
import subprocess
import time
from pathlib import Path

import pytest

from conftest import STRATA_BIN, free_port, stop_process, wait_for_port

GUNICORN_BIN = Path("/usr/bin/gunicorn")
SERVER_NAMES = ["strata", "gunicorn"]


class WsgiServer:
    """A WSGI server on 127.0.0.1 serving `app` (MODULE:VARIABLE) from `app_dir`.

    stdio="pipe" (the default) leaves the server's stdout and stderr on pipes for
    `proc.communicate()`; stdio="file" sends them to files in `app_dir` (read with
    `stdout()` / `stderr()`), so a chatty server never blocks on a full pipe.
    `bind` replaces the TCP address (e.g. "unix:/path"); the server is then waited for
    on that socket. Logs and stdio files go to `log_dir` (default: `app_dir`); with
    logs=False no log flags are passed (the command line is the caller's alone)."""

    name = "?"

    def __init__(self, app_dir, app, *args, env=None, port=None, wait=True, stdio="pipe",
                 bind=None, logs=True, log_dir=None):
        self.dir = Path(app_dir)
        self.log_dir = Path(log_dir) if log_dir else self.dir
        self.port = port or free_port()
        self.bind = bind or f"127.0.0.1:{self.port}"
        self.url = f"http://127.0.0.1:{self.port}"
        self.error_log = self.log_dir / f"{self.name}-error.log"
        self.access_log = self.log_dir / f"{self.name}-access.log"
        self.logs = logs
        command = self.command(app, *args)
        full_env = dict(os.environ)
        full_env.pop("PYTHONPATH", None)
        for key, value in (env or {}).items():  # None removes a variable
            if value is None:
                full_env.pop(key, None)
            else:
                full_env[key] = value
        self.stdio = stdio
        if stdio == "file":
            self.stdout_path = self.log_dir / f"{self.name}-stdout.txt"
            self.stderr_path = self.log_dir / f"{self.name}-stderr.txt"
            out = open(self.stdout_path, "ab")
            err = open(self.stderr_path, "ab")
            self.proc = subprocess.Popen(command, cwd=self.dir, env=full_env,
                                         stdout=out, stderr=err)
            out.close()
            err.close()
        else:
            self.proc = subprocess.Popen(command, cwd=self.dir, env=full_env,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                         text=True)
        if wait and not self.wait_ready(timeout=20):
            self.proc.kill()
            if stdio == "file":
                self.proc.wait()
                err = self.stderr()
            else:
                out, err = self.proc.communicate()
            pytest.fail(f"{self.name} did not start: {err!r} {self.log()!r}")

    def wait_ready(self, timeout=20):
        if not self.bind.startswith("unix:"):
            return wait_for_port(self.port, self.proc, timeout=timeout)
        path = self.bind[len("unix:"):]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                with socket.socket(socket.AF_UNIX) as s:
                    s.connect(path)
                    return True
            except OSError:
                time.sleep(0.05)
        return False

    def base_args(self):
        args = ["--bind", self.bind]
        if self.logs:
            args += ["--error-logfile", str(self.error_log), "--access-logfile",
                     str(self.access_log)]
        return args

    def log(self):
        return self.error_log.read_text() if self.error_log.exists() else ""

    def access(self):
        return self.access_log.read_text() if self.access_log.exists() else ""

    def stdout(self):
        return self.stdout_path.read_text(errors="replace") if self.stdio == "file" else ""

    def stderr(self):
        return self.stderr_path.read_text(errors="replace") if self.stdio == "file" else ""

    def everything_logged(self):
        """The error log and (with stdio="file") stderr: where tracebacks can end up."""
        return self.log() + self.stderr()

    def signal(self, signo):
        os.kill(self.proc.pid, signo)

    def stop(self):
        stop_process(self.proc)
        if self.proc.stdout:
            self.proc.stdout.close()

    def wait_for_log(self, text, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.everything_logged():
                return True
            time.sleep(0.05)
        return False

    def workers(self):
        """The master's child processes (its workers), by pid."""
        return child_pids(self.proc.pid)


class StrataWsgi(WsgiServer):
    name = "strata"

    def command(self, app, *args):
        if not STRATA_BIN.exists():
            pytest.fail(f"strata binary not built: {STRATA_BIN}")
        return [str(STRATA_BIN), "wsgi", *self.base_args(), *args, app]


class Gunicorn(WsgiServer):
    name = "gunicorn"

    def command(self, app, *args):
        if not GUNICORN_BIN.exists():
            pytest.fail(f"{GUNICORN_BIN} is not installed: run scripts/install-deps")
        return ["/usr/bin/python3", str(GUNICORN_BIN), *self.base_args(), *args, app]


SERVERS = {"strata": StrataWsgi, "gunicorn": Gunicorn}


@pytest.fixture(params=SERVER_NAMES)
def wsgi_server_class(request):
    """Each test using it runs against strata and against gunicorn."""
    return SERVERS[request.param]


@pytest.fixture
def serve(tmp_path, wsgi_server_class):
    """serve(source, app='app:app', *args) writes app.py and starts the server on it."""
    started = []

    def start(source, app="app:app", *args, files=None, **kwargs):
        (tmp_path / "app.py").write_text(source)
        for name, text in (files or {}).items():
            (tmp_path / name).write_text(text)
        server = wsgi_server_class(tmp_path, app, *args, **kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


# --- wsgiref's validator around test apps ----------------------------------------------

# The start of a gunicorn config file whose hooks each append one JSON line (the hook's
# name, the pid and the fields given) to hooks.jsonl beside the file.
HOOK_RECORDER = """\
import json
import os

HOOK_LOG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hooks.jsonl")


def record(hook, **fields):
    fields["hook"] = hook
    fields["pid"] = os.getpid()
    with open(HOOK_LOG, "a") as f:
        f.write(json.dumps(fields) + "\\n")
"""

VALIDATOR = '''

# Every test app also runs under wsgiref's validator, its warnings made errors: a
# server that breaks PEP 3333 shows up as an AssertionError or WSGIWarning in the log.
import warnings as _warnings
from wsgiref.validate import validator as _validator, WSGIWarning as _WSGIWarning
_warnings.simplefilter("error", _WSGIWarning)
{name} = _validator({name})
'''

# What wsgiref.validate leaves in a log when it catches something (its frames alone
# show up in any traceback that passes through it).
VALIDATOR_MARKS = ("WSGIWarning", "AssertionError")


# wsgiref's validator predates wsgi.input_terminated: it insists on read(size), but with
# input_terminated (both servers set it) Werkzeug reads the body with read() to EOF,
# which PEP 3333's io semantics allow. For framework apps the check is relaxed to that.
LENIENT_INPUT = """
import wsgiref.validate as _validate
_strict_read = _validate.InputWrapper.read
def _read(self, *args):
    if not args:
        return _strict_read(self, -1)
    return _strict_read(self, *args)
_validate.InputWrapper.read = _read
"""


def validated(source, name="app", lenient_input=False):
    """`source` with its WSGI callable `name` wrapped in wsgiref.validate.validator."""
    return source + (LENIENT_INPUT if lenient_input else "") + VALIDATOR.format(name=name)


def validator_complaints(text):
    """Lines of `text` that show the validator (or a PEP 3333 assertion) failing."""
    return [line for line in text.splitlines() if any(m in line for m in VALIDATOR_MARKS)]


def start_server(kind, directory, source, app="app:app", *args, files=None, validate=True,
                 **kwargs):
    """Writes app.py (under the validator unless validate=False; validate="lenient" for
    frameworks that read() to EOF) and starts `kind` ("strata" or "gunicorn") on it,
    stdio to files unless told otherwise."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if validate:
        source = validated(source, lenient_input=validate == "lenient")
    (directory / "app.py").write_text(source)
    for name, text in (files or {}).items():
        (directory / name).write_text(text)
    kwargs.setdefault("stdio", "file")
    return SERVERS[kind](directory, app, *args, **kwargs)


class LogWatch:
    """Remembers how long a server's logs were, to look only at what came later."""

    def __init__(self, server):
        self.server = server
        self.mark = len(server.everything_logged())

    def new(self):
        return self.server.everything_logged()[self.mark:]


def require_module(name):
    """A Python package the test needs (Debian's, as /usr/bin/python3 runs the tests and
    the apps): missing fails the test, it never skips."""
    try:
        return importlib.import_module(name)
    except ImportError:
        pytest.fail(f"python3-{name} is not installed: run scripts/install-deps")


# --- processes ------------------------------------------------------------------------

def child_pids(pid):
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return sorted(int(p) for p in out.stdout.split())


def wait_until(predicate, timeout=10, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what} not reached in {timeout} s")


def rss_kib(pid):
    """VmRSS of `pid` in KiB (0 once it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    return int(found.group(1)) if found else 0


# --- raw HTTP/1.x -----------------------------------------------------------------------

class HttpReader:
    """Reads HTTP/1.x responses off a socket: Content-Length, chunked and
    close-delimited bodies, 1xx interim responses, HEAD."""

    def __init__(self, sock):
        self.sock = sock
        self.buffer = b""
        self.eof = False

    def fill(self):
        if self.eof:
            return False
        chunk = self.sock.recv(65536)
        if not chunk:
            self.eof = True
            return False
        self.buffer += chunk
        return True

    def read_until(self, marker):
        while marker not in self.buffer:
            if not self.fill():
                raise ConnectionError(f"closed before {marker!r}: {self.buffer[:300]!r}")
        head, _, self.buffer = self.buffer.partition(marker)
        return head

    def read_exactly(self, count):
        while len(self.buffer) < count:
            if not self.fill():
                raise ConnectionError(f"closed after {len(self.buffer)} of {count} bytes")
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def read_to_close(self):
        while self.fill():
            pass
        data, self.buffer = self.buffer, b""
        return data

    def head(self):
        """(version, status, reason, headers as a list of (lower name, value))."""
        raw = self.read_until(b"\r\n\r\n").decode("latin-1")
        lines = raw.split("\r\n")
        version, status, *reason = lines[0].split(" ", 2)
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.append((name.strip().lower(), value.strip()))
        return version, int(status), reason[0] if reason else "", headers

    def response(self, method="GET", skip_interim=True):
        """One whole response as a Response."""
        version, status, reason, headers = self.head()
        while skip_interim and 100 <= status < 200:
            version, status, reason, headers = self.head()
        response = Response(version, status, reason, headers)
        if method == "HEAD" or status in (204, 304) or status < 200:
            return response
        if response.header("transfer-encoding", "").lower() == "chunked":
            response.chunked = True
            body = b""
            while True:
                size = int(self.read_until(b"\r\n").split(b";")[0], 16)
                if size == 0:
                    self.read_until(b"\r\n")
                    break
                body += self.read_exactly(size)
                self.read_exactly(2)
            response.body = body
        elif response.header("content-length") is not None:
            response.body = self.read_exactly(int(response.header("content-length")))
        else:
            response.body = self.read_to_close()
            response.close_delimited = True
        return response


class Response:
    def __init__(self, version, status, reason, headers):
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = b""
        self.chunked = False
        self.close_delimited = False

    def header(self, name, default=None):
        values = [v for n, v in self.headers if n == name.lower()]
        return ",".join(values) if values else default

    def __repr__(self):
        return f"<Response {self.version} {self.status} {self.headers} {self.body[:200]!r}>"


def connect(server, timeout=10):
    return socket.create_connection(("127.0.0.1", server.port), timeout=timeout)


def raw_request(server, data, method="GET", timeout=10):
    """Sends `data` on a new connection and reads one response."""
    with connect(server, timeout) as sock:
        sock.sendall(data)
        return HttpReader(sock).response(method)


def read_all(sock, timeout=10):
    """Everything until the peer closes (or `timeout`)."""
    sock.settimeout(timeout)
    chunks = []
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    except socket.timeout:
        pass
    return b"".join(chunks)
