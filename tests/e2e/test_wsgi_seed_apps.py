"""examples/seed/'s Python apps, started exactly as their header comment and
examples/seed/APPS.md say (plus a port from the OS and log files outside the source
tree), answering as documented — under strata and, for the same command, gunicorn."""
import re
import shlex

import pytest
import requests

from conftest import SOURCE_DIR
from wsgi_servers import (SERVER_NAMES, SERVERS, LogWatch, connect, read_all,
                          require_module, start_server, validator_complaints, wait_until)

SEED = SOURCE_DIR / "examples/seed"
APPS = ["myapp", "myapp_str", "simple_app", "middleware", "werkzeug_hello", "werkzeug_routing",
        "flask_app"]


def documented_command(app):
    """The `strata wsgi ...` line of the file's header comment, split."""
    text = (SEED / f"{app}.py").read_text()
    found = re.search(r"^# Run:\s+(strata wsgi .+)$", text, re.M)
    assert found, f"{app}.py has no '# Run: strata wsgi ...' line"
    return found.group(1).strip()


def gunicorn_command(app):
    text = (SEED / f"{app}.py").read_text()
    found = re.search(r"^# \(gunicorn: (gunicorn .+?)\)", text, re.M)
    assert found, f"{app}.py has no '(gunicorn: ...)' line"
    return found.group(1).strip()


@pytest.mark.parametrize("app", APPS)
def test_header_comment_and_apps_md_agree(app):
    command = documented_command(app)
    assert f"`{command}`" in (SEED / "APPS.md").read_text()
    # gunicorn's command is strata's with the program name changed.
    assert gunicorn_command(app) == command.replace("strata wsgi", "gunicorn", 1)


def start_seed(kind, app, tmp_path):
    words = shlex.split(documented_command(app))[2:]  # after "strata wsgi"
    *args, target = words
    # Byte-code would land in the source tree.
    env = {"PYTHONDONTWRITEBYTECODE": "1"}
    return SERVERS[kind](SEED, target, *args, env=env, stdio="file", log_dir=tmp_path)


@pytest.fixture(params=SERVER_NAMES)
def run_seed(request, tmp_path):
    started = []

    def run(app):
        server = start_seed(request.param, app, tmp_path)
        started.append(server)
        return server

    yield run
    for server in started:
        server.stop()


def test_myapp_gunicorns_sample(run_seed):
    server = run_seed("myapp")
    wait_until(lambda: len(server.workers()) == 4, what="the four workers of -w 4")
    response = requests.get(f"{server.url}/", timeout=10)
    assert response.status_code == 200
    assert response.text == "Hello, World!\n"
    assert response.headers["Content-Type"] == "text/plain"
    assert response.headers["Content-Length"] == "14"


def test_myapp_str_is_a_500_that_says_why(tmp_path):
    server = start_seed("strata", "myapp_str", tmp_path)
    try:
        watch = LogWatch(server)
        response = requests.get(f"{server.url}/", timeout=10)
        assert response.status_code == 500
        wait_until(lambda: "must be bytes" in watch.new(), what="the log line")
        line = next(line for line in watch.new().splitlines() if "must be bytes" in line)
        assert "[ERROR] Error handling request /: the WSGI app's response contains a str " \
               "chunk, but response chunks must be bytes (PEP 3333): encode it, e.g. " \
               '`return [body.encode("utf-8")]`' in line
    finally:
        server.stop()


def test_myapp_str_under_gunicorn_sends_a_head_and_gives_up(tmp_path):
    """What APPS.md says gunicorn does with the same app."""
    server = start_seed("gunicorn", "myapp_str", tmp_path)
    try:
        with connect(server) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
            reply = read_all(sock)
        assert reply.startswith(b"HTTP/1.1 200 OK")
        assert reply.endswith(b"\r\n\r\n"), "no body after the head"
        assert server.wait_for_log("is not a byte")
    finally:
        server.stop()


def test_simple_app_pep_3333(run_seed):
    response = requests.get(f"{run_seed('simple_app').url}/anything", timeout=10)
    assert response.status_code == 200
    assert response.text == "Hello world!\n"
    assert response.headers["Content-Type"] == "text/plain"
    assert response.headers["Transfer-Encoding"] == "chunked"


def test_middleware_wraps_the_app(run_seed):
    response = requests.get(f"{run_seed('middleware').url}/", timeout=10)
    assert response.text == "HELLO WORLD!\n"
    assert response.headers["X-Middleware"] == "upper-case"


def test_werkzeug_hello(run_seed):
    require_module("werkzeug")
    response = requests.get(f"{run_seed('werkzeug_hello').url}/", timeout=10)
    assert response.text == "Hello, World!"
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_werkzeug_routing(run_seed):
    require_module("werkzeug")
    base = run_seed("werkzeug_routing").url
    assert requests.get(f"{base}/hello/Ada", timeout=10).text == "Hello, Ada!\n"
    assert requests.get(f"{base}/add/2/40", timeout=10).text == "42\n"
    assert requests.get(f"{base}/nope", timeout=10).status_code == 404
    docs = requests.get(f"{base}/docs", allow_redirects=False, timeout=10)
    assert docs.status_code == 308
    assert docs.headers["Location"].endswith("/docs/")
    assert requests.get(f"{base}/docs", timeout=10).text == "The docs.\n"


def test_flask_app(run_seed):
    require_module("flask")
    server = run_seed("flask_app")
    wait_until(lambda: len(server.workers()) == 2, what="the two workers of -w 2")
    assert requests.get(f"{server.url}/", timeout=10).text == "<p>Hello, World!</p>"
    assert requests.get(f"{server.url}/hello/Ada", timeout=10).text == "Hello, Ada!\n"
    assert requests.get(f"{server.url}/hello/<Ada>", timeout=10).text == \
        "Hello, &lt;Ada&gt;!\n"
    status = requests.get(f"{server.url}/api/status", timeout=10).json()
    assert status["status"] == "ok"
    assert status["server"].startswith(server.name)


# The documented URLs of each app that follows PEP 3333 (all but myapp_str).
VALIDATED_URLS = {
    "myapp": ["/"],
    "simple_app": ["/", "/x"],
    "middleware": ["/"],
    "werkzeug_hello": ["/"],
    "werkzeug_routing": ["/", "/hello/Ada", "/add/2/40", "/nope", "/docs"],
    "flask_app": ["/", "/hello/Ada", "/api/status", "/missing"],
}

VALIDATED_SEED_APP = """
import sys
sys.path.insert(0, {seed!r})
from {module} import {name} as app
"""


@pytest.mark.parametrize("app", sorted(VALIDATED_URLS))
def test_seed_app_under_the_validator(kind, app, tmp_path):
    """Each seed app, wrapped in wsgiref's validator, answers its documented URLs with
    nothing for the validator to complain about, on either server."""
    *_, target = shlex.split(documented_command(app))
    module, name = target.split(":")
    source = VALIDATED_SEED_APP.format(seed=str(SEED), module=module, name=name)
    server = start_server(kind, tmp_path, source, validate="lenient",
                          env={"PYTHONDONTWRITEBYTECODE": "1"})
    try:
        for url in VALIDATED_URLS[app]:
            response = requests.get(f"{server.url}{url}", allow_redirects=False, timeout=10)
            assert response.status_code < 500, (url, response.text)
        assert validator_complaints(server.everything_logged()) == []
    finally:
        server.stop()


@pytest.fixture(params=SERVER_NAMES)
def kind(request):
    return request.param


def test_no_bytecode_left_in_the_source_tree():
    assert not list(SEED.glob("**/__pycache__"))
