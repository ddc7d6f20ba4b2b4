"""What a user of the seed stack gets: strata's `upstream` + `proxy_pass` in front of
Debian's gunicorn 20.1 (gthread workers, keep-alive), serving a WSGI app — requests and
bodies pass, redirects the app makes from its Host are rewritten by proxy_redirect
default, streamed and large responses arrive whole, upstream connections are kept and
reused, and when one gunicorn is killed under load, no client sees an error."""
import os
import signal
import threading
import time

import pytest
import requests

from conftest import Strata
from wsgi_servers import Gunicorn, child_pids

APP = r'''
import json, os

def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/redirect":
        host = environ.get("HTTP_HOST", "")
        start_response("302 FOUND", [("Location", f"http://{host}/target?x=1"),
                                     ("Content-Length", "0")])
        return [b""]
    if path == "/big":
        body = b"0123456789abcdef" * (4 * 1024 * 1024 // 16)
        start_response("200 OK", [("Content-Type", "application/octet-stream"),
                                  ("Content-Length", str(len(body)))])
        return [body]
    if path == "/stream":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return (f"line {i}\n".encode() for i in range(1000))
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    info = {"pid": os.getpid(), "method": environ["REQUEST_METHOD"], "path": path,
            "query": environ.get("QUERY_STRING", ""), "body": body.decode("latin-1"),
            "host": environ.get("HTTP_HOST"), "xff": environ.get("HTTP_X_FORWARDED_FOR"),
            "connection": environ.get("HTTP_CONNECTION"),
            "name": os.environ.get("APP_NAME")}
    data = json.dumps(info).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(data)))])
    return [data]
'''

HTTP_BLOCK = """
    upstream app {
        server 127.0.0.1:PORT_A max_fails=1 fail_timeout=5s;
        server 127.0.0.1:PORT_B max_fails=1 fail_timeout=5s;
        keepalive 8;
    }
    server {
        listen 127.0.0.1:PORT;
        location / {
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }
    }
"""


@pytest.fixture
def stack(tmp_path):
    (tmp_path / "wsgi_app.py").write_text(APP)
    started = []
    try:
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            started.append(Gunicorn(tmp_path, "wsgi_app:app", "--worker-class", "gthread",
                                    "--threads", "4", "--workers", "2", "--keep-alive", "30",
                                    env={"APP_NAME": name}, stdio="file", log_dir=tmp_path / name))
        a, b = started
        block = HTTP_BLOCK.replace("PORT_A", str(a.port)).replace("PORT_B", str(b.port))
        (tmp_path / "strata").mkdir()
        strata = Strata(tmp_path / "strata", block)
        started.append(strata)
        yield strata, a, b
    finally:
        for server in reversed(started):
            server.stop()


def test_requests_and_bodies_reach_gunicorn(stack):
    strata, _, _ = stack
    session = requests.Session()
    r = session.get(strata.url + "/hello?a=1&b=%20", headers={"X-Forwarded-For": "10.1.2.3"})
    assert r.status_code == 200
    info = r.json()
    assert info["path"] == "/hello" and info["query"] == "a=1&b=%20"
    assert info["host"] == "app"  # Host: $proxy_host
    assert info["xff"] == "10.1.2.3, 127.0.0.1"
    assert info["connection"] is None
    assert r.headers["Server"].startswith("strata")
    r = session.post(strata.url + "/form", data={"k": "v" * 5000})
    assert r.json()["body"] == "k=" + "v" * 5000
    r = session.post(strata.url + "/chunked", data=iter([b"part1-", b"part2"]))
    assert r.json()["body"] == "part1-part2"


def test_redirect_from_the_app_is_rewritten(stack):
    strata, _, _ = stack
    r = requests.get(strata.url + "/redirect", allow_redirects=False)
    assert r.status_code == 302
    assert r.headers["Location"] == f"http://127.0.0.1:{strata.port}/target?x=1"


def test_large_and_streamed_responses_arrive_whole(stack):
    strata, _, _ = stack
    r = requests.get(strata.url + "/big")
    assert len(r.content) == 4 * 1024 * 1024 and r.headers["Content-Length"] == str(4 << 20)
    r = requests.get(strata.url + "/stream")
    assert r.text == "".join(f"line {i}\n" for i in range(1000))
    assert r.headers.get("Transfer-Encoding") == "chunked"


def established_to(*ports):
    """Client-side TCP connections now established to any of `ports` (from /proc)."""
    wanted = {f"{p:04X}" for p in ports}
    count = 0
    for line in open("/proc/net/tcp").read().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "01" and fields[2].split(":")[1] in wanted:
            count += 1
    return count


def test_upstream_connections_are_reused(stack):
    strata, a, b = stack
    pids = set()
    for _ in range(40):
        r = requests.get(strata.url + "/n")
        assert r.status_code == 200
        pids.add(r.json()["pid"])
    # Kept connections stay open between requests: at most one per peer was needed
    # for these sequential requests, and they are still there.
    assert 1 <= established_to(a.port, b.port) <= 2


def kill_all(server):
    for pid in child_pids(server.proc.pid) + [server.proc.pid]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_killing_one_gunicorn_under_load_fails_no_request(stack):
    strata, a, b = stack
    failures, names = [], set()
    done = threading.Event()

    def client():
        session = requests.Session()
        while not done.is_set():
            try:
                r = session.get(strata.url + "/load", timeout=10)
                if r.status_code != 200:
                    failures.append(r.status_code)
                else:
                    names.add(r.json()["name"])
            except requests.RequestException as e:
                failures.append(repr(e))

    threads = [threading.Thread(target=client) for _ in range(6)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    kill_all(a)
    time.sleep(2)
    done.set()
    for t in threads:
        t.join()
    assert failures == []
    assert names == {"a", "b"}
