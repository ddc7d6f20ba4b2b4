"""`strata wsgi` runs inside Debian's python3 executable (src/strata/python/host_launch.h):
the app sees that interpreter, a virtualenv chosen by $VIRTUAL_ENV or --python-home is
honoured as running its python would, and `ps`/`pgrep` still see strata."""
import json
import os
import subprocess
import textwrap
from pathlib import Path

import requests

from conftest import STRATA_BIN
from wsgi_servers import StrataWsgi

REPORT_APP = textwrap.dedent("""\
    import json, os, sys

    def app(environ, start_response):
        try:
            import only_in_venv
            venv_module = only_in_venv.WHERE
        except ImportError:
            venv_module = None
        body = json.dumps({
            "executable": sys.executable,
            "prefix": sys.prefix,
            "base_prefix": sys.base_prefix,
            "path0": sys.path[0],
            "argv": sys.argv,
            "venv_module": venv_module,
            "leaked": sorted(k for k in os.environ if k.startswith("STRATA_WSGI_")),
        }).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]
""")


def make_app(tmp_path):
    (tmp_path / "report.py").write_text(REPORT_APP)
    return tmp_path


def make_venv(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--without-pip", "--system-site-packages",
                    str(venv)], check=True)
    site = venv / "lib" / "python3.11" / "site-packages"
    (site / "only_in_venv.py").write_text("WHERE = 'venv'\n")
    return venv


def report(server):
    return requests.get(server.url + "/", timeout=10).json()


def test_the_app_runs_in_the_python3_executable(tmp_path):
    server = StrataWsgi(make_app(tmp_path), "report:app", env={"VIRTUAL_ENV": None})
    try:
        got = report(server)
        assert got["executable"] == "/usr/bin/python3"
        assert got["prefix"] == "/usr"
        assert got["path0"] == str(tmp_path)  # the working directory first, as gunicorn
        assert got["venv_module"] is None
        assert got["leaked"] == []  # the launch's variables are gone before the app runs
        for pid in [server.proc.pid, *server.workers()]:
            assert os.path.realpath(f"/proc/{pid}/exe") == os.path.realpath("/usr/bin/python3")
    finally:
        server.stop()


def test_ps_and_pgrep_see_strata(tmp_path):
    server = StrataWsgi(make_app(tmp_path), "report:app", "--workers", "2",
                        env={"VIRTUAL_ENV": None})
    try:
        for pid in [server.proc.pid, *server.workers()]:
            assert Path(f"/proc/{pid}/comm").read_text().strip() == "strata"
            args = Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").split(b"\0")
            assert args[:2] == [bytes(STRATA_BIN.resolve()), b"wsgi"]
            assert args[-1] == b"report:app"
        found = subprocess.run(["pgrep", "-x", "strata"], capture_output=True, text=True)
        assert str(server.proc.pid) in found.stdout.split()
    finally:
        server.stop()


def test_virtual_env_is_honoured(tmp_path):
    venv = make_venv(tmp_path)
    server = StrataWsgi(make_app(tmp_path), "report:app", env={"VIRTUAL_ENV": str(venv)})
    try:
        got = report(server)
        assert got["prefix"] == str(venv)
        assert got["base_prefix"] == "/usr"
        assert got["executable"] == str(venv / "bin" / "python")
        assert got["venv_module"] == "venv"
    finally:
        server.stop()


def test_python_home_names_the_venv(tmp_path):
    venv = make_venv(tmp_path)
    server = StrataWsgi(make_app(tmp_path), "report:app", "--python-home", str(venv),
                        env={"VIRTUAL_ENV": None})
    try:
        got = report(server)
        assert got["prefix"] == str(venv)
        assert got["venv_module"] == "venv"
        # Launched again in the venv's python, in the same process.
        assert f"Listening at: {server.url} ({server.proc.pid})" in server.log()
    finally:
        server.stop()


def test_python_home_that_is_no_python_fails_at_once(tmp_path):
    result = subprocess.run([str(STRATA_BIN), "wsgi", "--bind", "127.0.0.1:0", "--python-home",
                             str(tmp_path / "nowhere"), "report:app"],
                            cwd=make_app(tmp_path), capture_output=True, text=True, timeout=30,
                            env={k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"})
    assert result.returncode != 0
    assert "Python" in result.stderr or "python" in result.stderr


def test_a_missing_host_module_is_a_clear_error(tmp_path):
    copy = tmp_path / "strata"
    copy.write_bytes(STRATA_BIN.read_bytes())
    copy.chmod(0o755)
    result = subprocess.run([str(copy), "wsgi", "report:app"], cwd=make_app(tmp_path),
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert "cannot read strata's Python module" in result.stderr
    assert str(tmp_path / "strata_wsgi_host") in result.stderr
