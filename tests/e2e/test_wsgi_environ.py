"""The WSGI environ (PEP 3333, gunicorn 20.1's keys and rules) as an app sees it, for
real requests: each key checked, then strata's environ compared with gunicorn's for the
same requests. Every app runs under wsgiref's validator."""
import json
import socket

import pytest

from wsgi_servers import (SERVER_NAMES, HttpReader, LogWatch, start_server,
                          validator_complaints, wait_until)

ECHO_APP = r'''
import json
import sys

# PEP 3333's required methods of the two streams.
STREAM_METHODS = {"wsgi.input": ("read", "readline", "readlines", "__iter__"),
                  "wsgi.errors": ("write", "writelines", "flush")}


def unwrapped(value):
    """The server's own object under wsgiref.validate's InputWrapper / ErrorWrapper."""
    if type(value).__module__ == "wsgiref.validate":
        return getattr(value, "input", getattr(value, "errors", value))
    return value


def describe(key, value):
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, tuple):
        return list(value)
    value = unwrapped(value)
    return {"callable": callable(value),
            "methods": [m for m in STREAM_METHODS.get(key, ()) if hasattr(value, m)]}


def read_input(stream, op):
    if op == "read":
        return [stream.read()]
    if op == "read-none":
        return [stream.read(None)]
    if op == "read-minus-one":
        return [stream.read(-1)]
    if op == "read-3":
        return [stream.read(3), stream.read(3), stream.read()]
    if op == "readline":
        return [stream.readline(), stream.readline(), stream.readline(), stream.readline()]
    if op == "readline-4":
        return [stream.readline(4), stream.readline(4), stream.readline()]
    if op == "readlines":
        return stream.readlines()
    if op == "readlines-hint":
        # PEP 3333: the server may ignore the hint (gunicorn does); strata honours it
        # as io does (stop once the lines so far reach it).
        return [b"|".join(stream.readlines(3)), stream.read()]
    if op == "iter":
        return list(stream)
    if op == "after-eof":
        return [stream.read(), stream.read(), stream.read(5), stream.readline()]
    raise ValueError(op)


def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/input":
        stream = unwrapped(environ["wsgi.input"])
        parts = read_input(stream, environ["QUERY_STRING"])
        body = json.dumps([p.decode("latin-1") for p in parts]).encode()
    elif path == "/errors":
        errors = environ["wsgi.errors"]
        errors.write("hello from wsgi.errors\n")
        errors.writelines(["two lines ", "joined\n"])
        errors.flush()
        body = b"logged"
    elif path == "/file-wrapper":
        import io
        wrapper = environ["wsgi.file_wrapper"](io.BytesIO(b"x" * 10000), 4096)
        body = b"".join(wrapper)
    else:
        body = json.dumps({k: describe(k, v) for k, v in environ.items()}, sort_keys=True).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]
'''


@pytest.fixture(scope="module", params=SERVER_NAMES)
def server(request, tmp_path_factory):
    started = start_server(request.param, tmp_path_factory.mktemp(request.param), ECHO_APP)
    yield started
    started.stop()


@pytest.fixture(autouse=True)
def no_validator_complaints(request):
    """Whatever a test does, the validator found nothing wrong with the server."""
    if "server" not in request.fixturenames:
        yield
        return
    server = request.getfixturevalue("server")
    watch = LogWatch(server)
    yield
    assert validator_complaints(watch.new()) == [], watch.new()


def environ_of(server, request_bytes, client_address="127.0.0.1"):
    """Sends one request (PORT in it replaced) from `client_address` (any 127.x.y.z) and
    returns (environ, client port)."""
    sock = socket.socket()
    sock.settimeout(10)
    sock.bind((client_address, 0))
    sock.connect(("127.0.0.1", server.port))
    with sock:
        port = sock.getsockname()[1]
        sock.sendall(request_bytes.replace(b"PORT", str(server.port).encode()))
        response = HttpReader(sock).response()
    assert response.status == 200, response
    return json.loads(response.body), port


STREAM = {"callable": False, "methods": ["read", "readline", "readlines", "__iter__"]}
ERRORS = {"callable": False, "methods": ["write", "writelines", "flush"]}
FILE_WRAPPER = {"callable": True, "methods": []}


def test_every_key_of_a_get(server):
    environ, client_port = environ_of(
        server,
        b"GET /a%20b/%C3%A9%2Fc%FF?x=%20y&z=%C3%A9&&w HTTP/1.1\r\nHost: 127.0.0.1:PORT\r\n"
        b"X-Repeat: one\r\nUser-Agent: e2e\r\nx-repeat: two\r\nAccept: */*\r\n\r\n")
    assert environ["REQUEST_METHOD"] == "GET"
    assert environ["SCRIPT_NAME"] == ""
    # Percent-decoded bytes, as latin-1 (PEP 3333's "bytes in a str"); %2F decoded too.
    assert environ["PATH_INFO"] == "/a b/\u00c3\u00a9/c\u00ff"
    assert environ["QUERY_STRING"] == "x=%20y&z=%C3%A9&&w"
    assert environ["RAW_URI"] == "/a%20b/%C3%A9%2Fc%FF?x=%20y&z=%C3%A9&&w"
    assert environ["SERVER_NAME"] == "127.0.0.1"
    assert environ["SERVER_PORT"] == str(server.port)
    assert environ["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert environ["REMOTE_ADDR"] == "127.0.0.1"
    assert environ["REMOTE_PORT"] == str(client_port)
    assert environ["HTTP_HOST"] == f"127.0.0.1:{server.port}"
    assert environ["HTTP_X_REPEAT"] == "one,two"
    assert environ["HTTP_USER_AGENT"] == "e2e"
    assert environ["HTTP_ACCEPT"] == "*/*"
    assert "CONTENT_TYPE" not in environ and "CONTENT_LENGTH" not in environ
    assert environ["wsgi.version"] == [1, 0]
    assert environ["wsgi.url_scheme"] == "http"
    assert environ["wsgi.input"] == STREAM
    assert environ["wsgi.errors"] == ERRORS
    assert environ["wsgi.multithread"] is False
    assert environ["wsgi.multiprocess"] is False
    assert environ["wsgi.run_once"] is False
    assert environ["wsgi.file_wrapper"] == FILE_WRAPPER
    assert environ["wsgi.input_terminated"] is True
    assert environ["SERVER_SOFTWARE"].startswith(server.name)


def test_content_type_and_length_have_no_http_twins(server):
    environ, _ = environ_of(
        server,
        b"POST /form HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: 7\r\n\r\na=1&b=2")
    assert environ["REQUEST_METHOD"] == "POST"
    assert environ["CONTENT_TYPE"] == "application/x-www-form-urlencoded"
    assert environ["CONTENT_LENGTH"] == "7"
    assert "HTTP_CONTENT_TYPE" not in environ and "HTTP_CONTENT_LENGTH" not in environ


def test_chunked_body_has_no_content_length(server):
    environ, _ = environ_of(
        server,
        b"POST /up HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
    assert "CONTENT_LENGTH" not in environ
    assert environ["HTTP_TRANSFER_ENCODING"] == "chunked"
    assert environ["wsgi.input_terminated"] is True


def test_http10_without_host_names_the_listening_address(server):
    environ, _ = environ_of(server, b"GET /old HTTP/1.0\r\n\r\n")
    assert environ["SERVER_PROTOCOL"] == "HTTP/1.0"
    assert environ["SERVER_NAME"] == "127.0.0.1"
    assert environ["SERVER_PORT"] == str(server.port)
    assert "HTTP_HOST" not in environ


def test_host_header_with_the_listening_port(server):
    environ, _ = environ_of(server, b"GET / HTTP/1.1\r\nHost: 127.0.0.1:PORT\r\n\r\n")
    assert (environ["SERVER_NAME"], environ["SERVER_PORT"]) == ("127.0.0.1", str(server.port))


def test_server_name_is_the_listening_address_whatever_the_host(server):
    # gunicorn 20.1 (http/wsgi.py create()): on a TCP listener SERVER_NAME and SERVER_PORT
    # are listener.getsockname(); the Host field only shows as HTTP_HOST.
    environ, _ = environ_of(server, b"GET / HTTP/1.1\r\nHost: www.example.test:8080\r\n\r\n")
    assert environ["HTTP_HOST"] == "www.example.test:8080"
    assert (environ["SERVER_NAME"], environ["SERVER_PORT"]) == ("127.0.0.1", str(server.port))


def test_header_values_are_latin1(server):
    environ, _ = environ_of(
        server, b"GET / HTTP/1.1\r\nHost: h\r\nX-Name: caf\xe9 \xc3\xa9\r\n\r\n")
    assert environ["HTTP_X_NAME"] == "caf\u00e9 \u00c3\u00a9"


def test_trailing_whitespace_of_a_header_value(server):
    environ, _ = environ_of(server, b"GET / HTTP/1.1\r\nHost: h\r\nX-Spaces: \t padded  \r\n\r\n")
    # RFC 9112 §5: the field value excludes the whitespace around it. gunicorn 20.1 only
    # strips the leading part (message.py: value.lstrip(" \t")).
    expected = {"strata": "padded", "gunicorn": "padded  "}
    assert environ["HTTP_X_SPACES"] == expected[server.name]


def test_headers_with_underscores(server):
    environ, _ = environ_of(
        server, b"GET / HTTP/1.1\r\nHost: h\r\nX_Under: sneaky\r\nX-Under: real\r\n\r\n")
    if server.name == "strata":
        # Documented difference (docs/architecture.md): dropped, like nginx's
        # underscores_in_headers off and gunicorn 22's header_map=drop, so X_Under cannot
        # masquerade as X-Under.
        assert environ["HTTP_X_UNDER"] == "real"
    else:
        # gunicorn 20.1 still maps both onto the same key.
        assert environ["HTTP_X_UNDER"] == "sneaky,real"


@pytest.mark.parametrize("proto,scheme", [("https", "https"), ("http", "http")])
def test_forwarded_proto_from_localhost_sets_the_scheme(server, proto, scheme):
    environ, _ = environ_of(
        server, f"GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-Proto: {proto}\r\n\r\n".encode())
    assert environ["wsgi.url_scheme"] == scheme


def test_forwarded_proto_from_another_address_is_ignored(server):
    # gunicorn's forwarded_allow_ips defaults to 127.0.0.1: a peer at 127.0.0.2 is not a
    # trusted proxy, so its X-Forwarded-Proto does not make the request https.
    environ, _ = environ_of(
        server, b"GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-Proto: https\r\n\r\n",
        client_address="127.0.0.2")
    assert environ["REMOTE_ADDR"] == "127.0.0.2"
    assert environ["wsgi.url_scheme"] == "http"


@pytest.mark.parametrize("kind", SERVER_NAMES)
def test_forwarded_allow_ips_trusts_the_listed_proxies(tmp_path, kind):
    server = start_server(kind, tmp_path, ECHO_APP, "app:app",
                          "--forwarded-allow-ips", "127.0.0.1,127.0.0.2")
    try:
        for proto, scheme in [("https", "https"), ("http", "http")]:
            environ, _ = environ_of(
                server, f"GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-Proto: {proto}\r\n\r\n"
                .encode(), client_address="127.0.0.2")
            assert environ["wsgi.url_scheme"] == scheme
        environ, _ = environ_of(
            server, b"GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-Proto: https\r\n\r\n",
            client_address="127.0.0.3")
        assert environ["wsgi.url_scheme"] == "http"
    finally:
        server.stop()


@pytest.mark.parametrize("op,body,expected", [
    ("read", b"line one\nline two\nend", ["line one\nline two\nend"]),
    ("read-none", b"abc", ["abc"]),
    ("read-minus-one", b"abc", ["abc"]),
    ("read-3", b"abcdefgh", ["abc", "def", "gh"]),
    ("readline", b"one\ntwo\n\nlast", ["one\n", "two\n", "\n", "last"]),
    ("readline-4", b"abcdef\ngh", ["abcd", "ef\n", "gh"]),
    ("readlines", b"a\nb\nc", ["a\n", "b\n", "c"]),
    ("iter", b"x\ny\n", ["x\n", "y\n"]),
    ("after-eof", b"all", ["all", "", "", ""]),
])
def test_wsgi_input(server, op, body, expected):
    sent = b"POST /input?%s HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n%s" % (
        op.encode(), len(body), body)
    response = raw(server, sent)
    assert response.status == 200, response
    assert json.loads(response.body) == expected


def test_wsgi_input_readlines_hint(server):
    body = b"ab\ncd\nef\n"
    sent = b"POST /input?readlines-hint HTTP/1.1\r\nHost: h\r\nContent-Length: 9\r\n\r\n" + body
    got = json.loads(raw(server, sent).body)
    expected = {"strata": ["ab\n", "cd\nef\n"], "gunicorn": ["ab\n|cd\n|ef\n", ""]}
    assert got == expected[server.name]


def test_wsgi_input_of_a_chunked_body(server):
    sent = (b"POST /input?read HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n")
    assert json.loads(raw(server, sent).body) == ["hello world"]


def test_wsgi_errors_go_to_the_error_log(server):
    assert raw(server, b"GET /errors HTTP/1.1\r\nHost: h\r\n\r\n").status == 200
    assert server.wait_for_log("hello from wsgi.errors")
    assert server.wait_for_log("two lines joined")


def test_wsgi_file_wrapper_iterates_a_file_like(server):
    response = raw(server, b"GET /file-wrapper HTTP/1.1\r\nHost: h\r\n\r\n")
    assert response.body == b"x" * 10000


def raw(server, data):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(data)
        return HttpReader(sock).response()


# --- strata's environ next to gunicorn's ------------------------------------------------

# Keys whose values differ by design: the server's name, gunicorn's raw socket, and the
# ports (the two servers listen on different ones; each is checked above).
DOCUMENTED_DIFFERENCES = {"SERVER_SOFTWARE", "gunicorn.socket", "SERVER_PORT", "HTTP_HOST",
                          "REMOTE_PORT"}

SAME_REQUESTS = [
    b"GET /p%20q/r%2Fs?a=1&b=%20 HTTP/1.1\r\nHost: 127.0.0.1:PORT\r\nAccept: */*\r\n"
    b"X-One: 1\r\nX-One: 2\r\nCookie: a=b\r\nCookie: c=d\r\n\r\n",
    b"POST /form?x HTTP/1.1\r\nHost: 127.0.0.1:PORT\r\nContent-Type: text/plain\r\n"
    b"Content-Length: 5\r\n\r\nhello",
    b"PUT /chunked HTTP/1.1\r\nHost: 127.0.0.1:PORT\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"2\r\nhi\r\n0\r\n\r\n",
    b"GET / HTTP/1.0\r\n\r\n",
    b"GET /ten HTTP/1.0\r\nHost: 127.0.0.1:PORT\r\nConnection: keep-alive\r\n\r\n",
    b"DELETE /thing/%7Euser HTTP/1.1\r\nHost: 127.0.0.1:PORT\r\nX-Forwarded-Proto: https\r\n"
    b"X-Forwarded-For: 10.0.0.1\r\n\r\n",
    b"OPTIONS /options HTTP/1.1\r\nHost: 127.0.0.1:PORT\r\nContent-Length: 0\r\n\r\n",
    b"GET /bad%ZZescape?q=%ZZ HTTP/1.1\r\nHost: 127.0.0.1:PORT\r\n\r\n",
    b"GET http://example.test:8080/abs/path?x=1 HTTP/1.1\r\nHost: example.test:8080\r\n\r\n",
    b"GET /v6 HTTP/1.1\r\nHost: [::1]:PORT\r\nX-Empty:\r\nX-Spaces:   padded\r\n\r\n",
    b"GET //double//slashes/./dot/../x?%2F HTTP/1.1\r\nHost: 127.0.0.1:PORT\r\n\r\n",
    b"POST /empty HTTP/1.1\r\nHost: 127.0.0.1:PORT\r\nContent-Length: 0\r\n"
    b"Content-Type: application/json; charset=utf-8\r\n\r\n",
]


def comparable(environ):
    return {k: v for k, v in environ.items() if k not in DOCUMENTED_DIFFERENCES}


def test_environ_matches_gunicorns_for_the_same_requests(tmp_path):
    servers = {kind: start_server(kind, tmp_path / kind, ECHO_APP) for kind in SERVER_NAMES}
    try:
        for request_bytes in SAME_REQUESTS:
            environs = {}
            for kind, server in servers.items():
                environs[kind], _ = environ_of(server, request_bytes)
            strata, gunicorn = (comparable(environs[k]) for k in SERVER_NAMES)
            assert sorted(strata) == sorted(gunicorn), request_bytes
            different = {k: (strata[k], gunicorn[k]) for k in strata if strata[k] != gunicorn[k]}
            assert different == {}, request_bytes
        for server in servers.values():
            assert validator_complaints(server.everything_logged()) == []
    finally:
        for server in servers.values():
            server.stop()


@pytest.mark.parametrize("kind", SERVER_NAMES)
def test_multiprocess_and_multithread_flags(tmp_path, kind):
    server = start_server(kind, tmp_path, ECHO_APP, "app:app", "-w", "2", "--threads", "2")
    try:
        wait_until(lambda: len(server.workers()) == 2, what="two workers")
        environ, _ = environ_of(server, b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        assert environ["wsgi.multiprocess"] is True
        assert environ["wsgi.multithread"] is True
        assert environ["wsgi.run_once"] is False
    finally:
        server.stop()


@pytest.mark.parametrize("kind", SERVER_NAMES)
def test_script_name_is_cut_off_whole_segments_only(tmp_path, kind, request):
    if kind == "gunicorn":
        request.applymarker(pytest.mark.xfail(strict=True, reason=(
            "gunicorn 20.1 bug: path_info.split(script_name, 1)[1] makes /appendix under "
            "SCRIPT_NAME=/app a PATH_INFO of 'endix' (the validator refuses it: 500)")))
    server = start_server(kind, tmp_path, ECHO_APP, env={"SCRIPT_NAME": "/app"})
    try:
        inside, _ = environ_of(server, b"GET /app/page HTTP/1.1\r\nHost: h\r\n\r\n")
        assert (inside["SCRIPT_NAME"], inside["PATH_INFO"]) == ("/app", "/page")
        outside, _ = environ_of(server, b"GET /appendix HTTP/1.1\r\nHost: h\r\n\r\n")
        assert outside["PATH_INFO"] == "/appendix"
    finally:
        server.stop()


@pytest.mark.parametrize("kind", SERVER_NAMES)
def test_unix_socket_peer(tmp_path, kind):
    path = tmp_path / "app.sock"
    server = start_server(kind, tmp_path, ECHO_APP, bind=f"unix:{path}")
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(10)
            sock.connect(str(path))
            sock.sendall(b"GET /u HTTP/1.1\r\nHost: front.example:81\r\n\r\n")
            environ = json.loads(HttpReader(sock).response().body)
        # gunicorn: on a unix socket SERVER_NAME/PORT come from Host; REMOTE_ADDR is the
        # socket's (empty) peer name and REMOTE_PORT is absent.
        assert (environ["SERVER_NAME"], environ["SERVER_PORT"]) == ("front.example", "81")
        assert "REMOTE_PORT" not in environ
        assert environ["REMOTE_ADDR"] == ""
        # No Host either: the socket's path, and no port.
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(10)
            sock.connect(str(path))
            sock.sendall(b"GET /u HTTP/1.0\r\n\r\n")
            environ = json.loads(HttpReader(sock).response().body)
        assert (environ["SERVER_NAME"], environ["SERVER_PORT"]) == (str(path), "")
    finally:
        server.stop()

