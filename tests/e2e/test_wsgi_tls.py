"""`strata wsgi` over TLS with gunicorn's flags (--certfile, --keyfile, --ca-certs,
--cert-reqs, --ciphers, --ssl-version, and the same in gunicorn.conf.py), each test run
against strata and against Debian's gunicorn 20.1 with the same requests. Real clients:
http.client, requests, curl, and Python's ssl for sessions."""
import http.client
import json
import socket
import ssl
import subprocess

import pytest

from conftest import require_tool
from tls_certs import Authority
from wsgi_servers import SERVERS, SERVER_NAMES, require_module

APP = r'''
import json, os

def app(environ, start_response):
    if environ["PATH_INFO"] == "/big":
        body = b"0123456789abcdef" * 65536  # 1 MiB
    else:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        received = environ["wsgi.input"].read(size) if size else b""
        body = json.dumps({
            "scheme": environ["wsgi.url_scheme"],
            "https": environ.get("HTTPS"),
            "path": environ["PATH_INFO"],
            "query": environ["QUERY_STRING"],
            "method": environ["REQUEST_METHOD"],
            "received": len(received),
            "received_sum": sum(received) % 65521,
            "pid": os.getpid(),
        }).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]
'''


@pytest.fixture(scope="module")
def certs(authority):
    return {
        "server": authority.leaf("localhost"),
        "client": authority.leaf("client.test", usage="clientAuth"),
    }


@pytest.fixture(scope="module")
def stranger(tmp_path_factory):
    """Another CA's client certificate: ca_certs does not vouch for it."""
    return Authority(tmp_path_factory.mktemp("other-ca")).leaf("client.test",
                                                               usage="clientAuth")


def tls_args(certs):
    chain, key = certs["server"]
    return ["--certfile", str(chain), "--keyfile", str(key)]


@pytest.fixture(params=SERVER_NAMES)
def kind(request):
    return request.param


@pytest.fixture
def start(tmp_path, kind):
    """start(*args, workers=1) runs APP on `kind` with the given flags."""
    started = []

    def run(*args, workers=1, **kwargs):
        directory = tmp_path / kind
        directory.mkdir(exist_ok=True)
        (directory / "app.py").write_text(APP)
        server = SERVERS[kind](directory, "app:app", "--workers", str(workers), *args,
                               stdio="file", **kwargs)
        started.append(server)
        return server

    yield run
    for server in started:
        server.stop()


def client_context(authority, cert=None, **settings):
    context = ssl.create_default_context(cafile=str(authority.root))
    if cert:
        context.load_cert_chain(str(cert[0]), str(cert[1]))
    for name, value in settings.items():
        setattr(context, name, value)
    return context


def https_get(server, context, path="/", method="GET", body=None):
    """(status, body) of one request on a new connection, by http.client."""
    connection = http.client.HTTPSConnection("localhost", server.port, context=context,
                                             timeout=10)
    # The certificate names localhost; connect to 127.0.0.1 whatever localhost resolves to.
    connection.sock = context.wrap_socket(
        socket.create_connection(("127.0.0.1", server.port), timeout=10),
        server_hostname="localhost")
    try:
        connection.request(method, path, body=body)
        response = connection.getresponse()
        return response.status, response.read(), connection.sock
    finally:
        connection.close()


def tls_request(server, context, session=None):
    """One GET on a fresh TLS connection: (parsed body, the socket's session, reused)."""
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    with context.wrap_socket(raw, server_hostname="localhost", session=session) as sock:
        sock.sendall(b"GET /s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), head
        return json.loads(body), sock.session, sock.session_reused, sock.version()


# --- the same requests, the same answers --------------------------------------------------

def test_https_get_environ(start, certs, authority):
    server = start(*tls_args(certs))
    status, body, _ = https_get(server, client_context(authority), "/a/b?x=1")
    assert status == 200
    environ = json.loads(body)
    assert environ["scheme"] == "https"
    assert environ["https"] is None  # gunicorn puts no HTTPS variable in the environ
    assert (environ["path"], environ["query"], environ["method"]) == ("/a/b", "x=1", "GET")


def test_listening_line_says_https(start, certs):
    server = start(*tls_args(certs))
    assert server.wait_for_log(f"Listening at: https://127.0.0.1:{server.port} ("), \
        server.everything_logged()


def test_both_servers_answer_alike(tmp_path, certs, authority):
    """Status and body (but the pid) of the same requests, side by side."""
    answers = {}
    for kind in SERVER_NAMES:
        directory = tmp_path / kind
        directory.mkdir()
        (directory / "app.py").write_text(APP)
        server = SERVERS[kind](directory, "app:app", *tls_args(certs), stdio="file")
        try:
            context = client_context(authority)
            got = []
            for method, path, body in [("GET", "/", None), ("GET", "/q?a=b&c", None),
                                       ("POST", "/up", b"x" * 300_000), ("GET", "/big", None)]:
                status, data, _ = https_get(server, context, path, method, body)
                if path != "/big":
                    data = json.loads(data)
                    data.pop("pid")
                got.append((status, data))
            answers[kind] = got
        finally:
            server.stop()
    assert answers["strata"] == answers["gunicorn"]
    assert answers["strata"][2][1]["received"] == 300_000
    assert len(answers["strata"][3][1]) == 1 << 20


def test_requests_library(start, certs, authority):
    requests = require_module("requests")
    server = start(*tls_args(certs))
    # requests verifies the name: connect as localhost (the certificate's name).
    response = requests.post(f"https://localhost:{server.port}/r", data=b"abc",
                             verify=str(authority.root), timeout=10)
    assert response.status_code == 200
    assert response.json()["scheme"] == "https"
    assert response.json()["received"] == 3


def test_curl(start, certs, authority):
    curl = require_tool("curl")
    server = start(*tls_args(certs))
    out = subprocess.run([curl, "-sS", "--cacert", str(authority.root), "--resolve",
                          f"localhost:{server.port}:127.0.0.1",
                          f"https://localhost:{server.port}/c"],
                         capture_output=True, text=True, timeout=20)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["scheme"] == "https"


def test_key_inside_the_certificate_file(start, certs, authority, tmp_path):
    """No --keyfile: the key is read from the certfile, as Python's load_cert_chain does."""
    chain, key = certs["server"]
    both = tmp_path / "both.pem"
    both.write_text(key.read_text() + chain.read_text())
    server = start("--certfile", str(both))
    status, body, _ = https_get(server, client_context(authority))
    assert status == 200 and json.loads(body)["scheme"] == "https"


def test_settings_from_the_config_file(start, certs, authority, tmp_path):
    chain, key = certs["server"]
    config = tmp_path / "tls.conf.py"
    config.write_text(f"certfile = {str(chain)!r}\nkeyfile = {str(key)!r}\n")
    server = start("-c", str(config))
    status, body, _ = https_get(server, client_context(authority))
    assert status == 200 and json.loads(body)["scheme"] == "https"


def test_plain_http_on_the_tls_port_gets_no_http_answer(start, certs):
    """gunicorn's handshake fails on a plain request and the connection closes."""
    server = start(*tls_args(certs))
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
    assert not received.startswith(b"HTTP/"), received[:200]
    # And the server still serves TLS afterwards.
    assert server.proc.poll() is None


def test_ssl_version_pins_tls12(start, certs, authority):
    server = start(*tls_args(certs), "--ssl-version", "TLSv1_2")
    _, _, _, version = tls_request(server, client_context(authority))
    assert version == "TLSv1.2"
    # A client that insists on TLS 1.3 cannot connect.
    only13 = client_context(authority, minimum_version=ssl.TLSVersion.TLSv1_3)
    with pytest.raises((ssl.SSLError, ConnectionResetError)):
        tls_request(server, only13)


def test_default_negotiates_tls13(start, certs, authority):
    server = start(*tls_args(certs))
    _, _, _, version = tls_request(server, client_context(authority))
    assert version == "TLSv1.3"


def test_ciphers(start, certs, authority):
    server = start(*tls_args(certs), "--ssl-version", "TLSv1_2", "--ciphers",
                   "ECDHE-RSA-AES128-GCM-SHA256")
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    with client_context(authority).wrap_socket(raw, server_hostname="localhost") as sock:
        assert sock.cipher()[0] == "ECDHE-RSA-AES128-GCM-SHA256"
    # A client offering none of them is refused.
    other = client_context(authority, maximum_version=ssl.TLSVersion.TLSv1_2)
    other.set_ciphers("ECDHE-RSA-AES256-GCM-SHA384")
    with pytest.raises((ssl.SSLError, ConnectionResetError)):
        tls_request(server, other)


# --- client certificates ---------------------------------------------------------------

def refused(server, context):
    """Whether the server ends the connection instead of answering (with TLS 1.3 the
    client learns of a rejected certificate only when it reads)."""
    try:
        https_get(server, context)
    except (ssl.SSLError, ConnectionResetError, BrokenPipeError,
            http.client.RemoteDisconnected):
        return True
    return False


def test_client_certificate_required(start, certs, authority, stranger):
    server = start(*tls_args(certs), "--ca-certs", str(authority.root), "--cert-reqs", "2")
    assert refused(server, client_context(authority))  # none sent
    assert refused(server, client_context(authority, cert=stranger))  # not signed by ca_certs
    status, body, _ = https_get(server, client_context(authority, cert=certs["client"]))
    assert status == 200 and json.loads(body)["scheme"] == "https"


def test_client_certificate_optional(start, certs, authority, stranger):
    server = start(*tls_args(certs), "--ca-certs", str(authority.root), "--cert-reqs", "1")
    assert https_get(server, client_context(authority))[0] == 200
    assert https_get(server, client_context(authority, cert=certs["client"]))[0] == 200
    # One that is sent is checked.
    assert refused(server, client_context(authority, cert=stranger))


def test_client_certificate_not_asked_for(start, certs, authority, stranger):
    server = start(*tls_args(certs), "--ca-certs", str(authority.root))
    assert https_get(server, client_context(authority, cert=stranger))[0] == 200


# --- start-up errors ---------------------------------------------------------------------

@pytest.mark.parametrize("flag", ["--certfile", "--keyfile"])
def test_missing_file_stops_start_up(kind, tmp_path, certs, flag):
    chain, key = certs["server"]
    files = {"--certfile": str(chain), "--keyfile": str(key)}
    missing = str(tmp_path / "missing.pem")
    files[flag] = missing
    (tmp_path / "app.py").write_text(APP)
    server = SERVERS[kind](tmp_path, "app:app", "--certfile", files["--certfile"],
                           "--keyfile", files["--keyfile"], wait=False, stdio="file")
    try:
        assert server.proc.wait(timeout=20) != 0
    finally:
        server.stop()
    name = flag[2:]
    assert f'{name} "{missing}" does not exist' in server.everything_logged()


def test_unloadable_certificate_stops_start_up(tmp_path, certs):
    """gunicorn starts with a file that is no certificate and fails every handshake;
    strata loads it in the master and stops there, naming the file."""
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate\n")
    (tmp_path / "app.py").write_text(APP)
    server = SERVERS["strata"](tmp_path, "app:app", "--certfile", str(bad), wait=False,
                               stdio="file")
    try:
        assert server.proc.wait(timeout=20) != 0
    finally:
        server.stop()
    assert f'cannot load certificate "{bad}"' in server.everything_logged()


# --- resumption ----------------------------------------------------------------------------

def test_tickets_resume_in_every_worker(tmp_path, certs, authority):
    """The context is made in the master before fork: a session ticket one worker issued
    resumes in the other. (gunicorn 20.1 makes a context per connection, so it never
    resumes; this is strata's alone.)"""
    (tmp_path / "app.py").write_text(APP)
    server = SERVERS["strata"](tmp_path, "app:app", *tls_args(certs), "--workers", "2",
                               stdio="file")
    try:
        context = client_context(authority)
        first, session, reused, _ = tls_request(server, context)
        assert not reused
        resumed_in = set()
        for _ in range(200):
            environ, _, reused, _ = tls_request(server, context, session)
            assert reused
            resumed_in.add(environ["pid"])
            if len(resumed_in) == 2:
                break
        assert len(resumed_in) == 2, f"all connections went to {resumed_in}"
        assert resumed_in == set(server.workers())
    finally:
        server.stop()
