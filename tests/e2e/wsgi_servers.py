"""WSGI servers for end-to-end tests: `strata wsgi` and, to prove the expectations are
gunicorn's, Debian's gunicorn 20.1 run the same way."""
import os
import subprocess
import time
from pathlib import Path

import pytest

from conftest import STRATA_BIN, free_port, stop_process, wait_for_port

GUNICORN_BIN = Path("/usr/bin/gunicorn")


class WsgiServer:
    """A WSGI server on 127.0.0.1 serving `app` (MODULE:VARIABLE) from `app_dir`."""

    name = "?"

    def __init__(self, app_dir, app, *args, env=None, port=None, wait=True):
        self.dir = Path(app_dir)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.error_log = self.dir / f"{self.name}-error.log"
        self.access_log = self.dir / f"{self.name}-access.log"
        command = self.command(app, *args)
        full_env = dict(os.environ)
        full_env.pop("PYTHONPATH", None)
        full_env.update(env or {})
        self.proc = subprocess.Popen(command, cwd=self.dir, env=full_env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if wait and not wait_for_port(self.port, self.proc, timeout=20):
            self.proc.kill()
            out, err = self.proc.communicate()
            pytest.fail(f"{self.name} did not start: {err!r} {self.log()!r}")

    def base_args(self):
        return ["--bind", f"127.0.0.1:{self.port}", "--error-logfile", str(self.error_log),
                "--access-logfile", str(self.access_log)]

    def log(self):
        return self.error_log.read_text() if self.error_log.exists() else ""

    def access(self):
        return self.access_log.read_text() if self.access_log.exists() else ""

    def signal(self, signo):
        os.kill(self.proc.pid, signo)

    def stop(self):
        stop_process(self.proc)
        if self.proc.stdout:
            self.proc.stdout.close()

    def wait_for_log(self, text, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log():
                return True
            time.sleep(0.05)
        return False


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


@pytest.fixture(params=["strata", "gunicorn"])
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
