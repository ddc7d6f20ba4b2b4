"""--bind fd://N: serving on a listening socket the process was started with (as under
systemd socket activation or a supervisor), for strata and gunicorn alike."""
import os
import socket
import subprocess

import pytest
import requests

from conftest import STRATA_BIN, stop_process
from wsgi_servers import GUNICORN_BIN

APP = """
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [environ["SERVER_PORT"].encode()]
"""

COMMANDS = {
    "strata": lambda: [str(STRATA_BIN), "wsgi"],
    "gunicorn": lambda: ["/usr/bin/python3", str(GUNICORN_BIN)],
}


@pytest.mark.parametrize("server", sorted(COMMANDS))
def test_serves_on_an_inherited_listening_socket(server, tmp_path):
    (tmp_path / "app.py").write_text(APP)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    fd = listener.fileno()
    os.set_inheritable(fd, True)
    proc = subprocess.Popen([*COMMANDS[server](), "--bind", f"fd://{fd}", "app:app"],
                            cwd=tmp_path, pass_fds=(fd,), stderr=subprocess.PIPE, text=True)
    try:
        # The socket already listens: the request waits in its queue until a worker runs.
        reply = requests.get(f"http://127.0.0.1:{port}/", timeout=20)
        assert reply.status_code == 200
        assert reply.text == str(port)
    finally:
        stop_process(proc)
        listener.close()


def test_a_descriptor_that_is_not_listening_is_refused(tmp_path):
    (tmp_path / "app.py").write_text(APP)
    with open(tmp_path / "app.py") as not_a_socket:
        fd = not_a_socket.fileno()
        os.set_inheritable(fd, True)
        done = subprocess.run([str(STRATA_BIN), "wsgi", "--bind", f"fd://{fd}", "app:app"],
                              cwd=tmp_path, pass_fds=(fd,), capture_output=True, text=True,
                              timeout=20)
    assert done.returncode != 0
    assert f"fd://{fd} is not a listening socket" in done.stderr
