"""The classic stack with strata in gunicorn's place: Debian's nginx proxying to
`strata wsgi` over TCP and over a unix socket, with the usual proxy headers (and
gunicorn 20.1 behind the same nginx, to show the expectations are gunicorn's)."""
import hashlib

import pytest
import requests

from conftest import Nginx
from wsgi_servers import SERVER_NAMES, LogWatch, start_server, validator_complaints

APP = r'''
import hashlib
import json


def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path.endswith("/upload"):
        digest, length = hashlib.sha256(), 0
        while True:
            block = environ["wsgi.input"].read(65536)
            if not block:
                break
            digest.update(block)
            length += len(block)
        body = json.dumps({"length": length, "sha256": digest.hexdigest()}).encode()
    elif path.endswith("/big"):
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return (bytes([i % 256]) * 65536 for i in range(80))  # 5 MiB, no Content-Length
    else:
        body = json.dumps({k: v for k, v in environ.items() if isinstance(v, str)}).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]
'''

# The seed stack's proxy location, and one that plays a TLS-terminating front.
PROXY = """
    server {
        listen 127.0.0.1:PORT;
        client_max_body_size 100m;
        location / {
            proxy_pass http://BACKEND;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }
        location /secure/ {
            proxy_pass http://BACKEND;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto https;
        }
    }
"""


@pytest.fixture(scope="module", params=SERVER_NAMES)
def kind(request):
    return request.param


@pytest.fixture(scope="module", params=["tcp", "unix"])
def stack(request, kind, tmp_path_factory):
    directory = tmp_path_factory.mktemp(f"{kind}-{request.param}")
    if request.param == "tcp":
        app = start_server(kind, directory / "app", APP)
        backend = f"127.0.0.1:{app.port}"
    else:
        socket_path = directory / "app.sock"
        app = start_server(kind, directory / "app", APP, bind=f"unix:{socket_path}")
        backend = f"unix:{socket_path}:"
    nginx = Nginx(directory / "nginx", PROXY.replace("BACKEND", backend))
    yield app, nginx, request.param
    nginx.stop()
    app.stop()


@pytest.fixture(autouse=True)
def no_validator_complaints(stack):
    watch = LogWatch(stack[0])
    yield
    assert validator_complaints(watch.new()) == [], watch.new()


def environ_via(nginx, path="/", **kwargs):
    response = requests.get(f"{nginx.url}{path}", timeout=10, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_proxy_headers_reach_the_app(stack):
    app, nginx, transport = stack
    environ = environ_via(nginx, "/some/page?q=1", headers={"Host": "www.example.test"})
    assert environ["HTTP_HOST"] == "www.example.test"
    assert environ["HTTP_X_FORWARDED_FOR"] == "127.0.0.1"
    assert environ["HTTP_X_FORWARDED_PROTO"] == "http"
    assert environ["wsgi.url_scheme"] == "http"
    assert environ["PATH_INFO"] == "/some/page"
    assert environ["QUERY_STRING"] == "q=1"
    # nginx speaks HTTP/1.0 to its upstreams unless told otherwise.
    assert environ["SERVER_PROTOCOL"] == "HTTP/1.0"
    assert environ["HTTP_CONNECTION"] == "close"
    if transport == "tcp":
        assert environ["REMOTE_ADDR"] == "127.0.0.1"
        # gunicorn's rule on TCP: the listening address, whatever Host says.
        assert (environ["SERVER_NAME"], environ["SERVER_PORT"]) == ("127.0.0.1", str(app.port))
    else:
        # A unix socket has no peer address; SERVER_NAME comes from Host.
        assert environ["REMOTE_ADDR"] == ""
        assert "REMOTE_PORT" not in environ
        assert environ["SERVER_NAME"] == "www.example.test"


def test_client_forwarded_for_is_extended(stack):
    _, nginx, _ = stack
    environ = environ_via(nginx, headers={"X-Forwarded-For": "203.0.113.7"})
    assert environ["HTTP_X_FORWARDED_FOR"] == "203.0.113.7, 127.0.0.1"


def test_forwarded_proto_https_from_the_local_proxy_sets_the_scheme(stack):
    _, nginx, _ = stack
    environ = environ_via(nginx, "/secure/page")
    assert environ["HTTP_X_FORWARDED_PROTO"] == "https"
    assert environ["wsgi.url_scheme"] == "https"


def test_upload_through_nginx(stack):
    _, nginx, _ = stack
    body = bytes(range(256)) * 20000

    def chunks():
        for i in range(0, len(body), 100000):
            yield body[i:i + 100000]

    for data in (body, chunks()):  # Content-Length, then chunked from the client
        response = requests.post(f"{nginx.url}/upload", data=data, timeout=30)
        assert response.json() == {"length": len(body),
                                   "sha256": hashlib.sha256(body).hexdigest()}


def test_streamed_response_without_length_through_nginx(stack):
    # The app gives no Content-Length and nginx asked with HTTP/1.0: the server must
    # end the body by closing, and nginx passes the whole of it on.
    _, nginx, _ = stack
    response = requests.get(f"{nginx.url}/big", timeout=30)
    expected = b"".join(bytes([i % 256]) * 65536 for i in range(80))
    assert len(response.content) == len(expected)
    assert response.content == expected


def test_many_requests_through_nginx(stack):
    _, nginx, _ = stack
    with requests.Session() as client:
        for i in range(30):
            environ = client.get(f"{nginx.url}/n/{i}", timeout=10).json()
            assert environ["PATH_INFO"] == f"/n/{i}"
