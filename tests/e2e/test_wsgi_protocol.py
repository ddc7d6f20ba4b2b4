"""PEP 3333's response side and HTTP/1.x framing through a WSGI server, with real
clients: streaming, write(), close() accounting, exc_info, wsgi.file_wrapper, chunked
uploads, Expect: 100-continue, HEAD, keep-alive, pipelining, HTTP/1.0, chunked
responses. Each test runs against strata and gunicorn 20.1 (with --threads, so its
gthread worker keeps connections alive as strata does); the apps run under wsgiref's
validator except under /raw/, which hands wsgi.file_wrapper's object to the server
unwrapped (the validator's iterator would hide it from sendfile)."""
import hashlib
import json
import socket
import subprocess
import time

import pytest
import requests

from conftest import require_tool
from wsgi_servers import (SERVER_NAMES, VALIDATOR, HttpReader, LogWatch, connect,
                          read_all, start_server, validator_complaints, wait_until)

APP = r'''
import hashlib
import json
import os
import sys
import time
from urllib.parse import parse_qs

HERE = os.path.dirname(os.path.abspath(__file__))


def record(line):
    with open(os.path.join(HERE, "closes.log"), "a") as f:
        f.write(line + "\n")


def wait_for_ack(name, timeout=10):
    path = os.path.join(HERE, "ack-" + name)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return True
        time.sleep(0.01)
    return False


def pattern(size):
    """The bytes the test expects from /file: a deterministic pattern."""
    block = hashlib.sha256(b"strata").digest() * 2048  # 64 KiB
    return (block * (size // len(block) + 1))[:size]


class Recorded:
    """An iterable whose close() is recorded, with how many chunks went out."""

    def __init__(self, tag, mode):
        self.tag, self.mode, self.sent, self.closes = tag, mode, 0, 0

    def __iter__(self):
        for i in range(3 if self.mode != "endless" else 4000):
            if self.mode == "error" and i == 1:
                raise RuntimeError("app failed mid-body for " + self.tag)
            if self.mode == "endless":
                time.sleep(0.02)
            self.sent += 1
            yield b"chunk %d\n" % i

    def close(self):
        self.closes += 1
        record("%s close %d after %d chunks" % (self.tag, self.closes, self.sent))


def stream(tag):
    for i in range(3):
        yield b"chunk %d\n" % i
        if i < 2 and not wait_for_ack("%s-%d" % (tag, i)):
            yield b"NO ACK\n"
            return


def file_response(environ, start_response, query):
    size, offset = int(query["size"]), int(query.get("offset", "0"))
    path = os.path.join(HERE, "big-%d.bin" % size)
    if not os.path.exists(path):
        with open(path + ".tmp", "wb") as f:
            f.write(pattern(size))
        os.rename(path + ".tmp", path)
    f = open(path, "rb")
    f.seek(offset)
    headers = [("Content-Type", "application/octet-stream")]
    if query.get("length") == "yes":
        headers.append(("Content-Length", str(size - offset)))
    start_response("200 OK", headers)
    return environ["wsgi.file_wrapper"](f, int(query.get("blksize", "8192")))


def inner(environ, start_response):
    path = environ["PATH_INFO"].replace("/raw", "", 1)
    query = {k: v[0] for k, v in parse_qs(environ["QUERY_STRING"]).items()}
    text = [("Content-Type", "text/plain")]
    if path == "/hello":
        body = b"Hello, World!\n"
        start_response("200 OK", text + [("Content-Length", str(len(body)))])
        return [body]
    if path.startswith("/echo/"):
        body = path.encode("latin-1")
        start_response("200 OK", text + [("Content-Length", str(len(body)))])
        return [body]
    if path == "/sleep":
        time.sleep(float(query["s"]))
        body = b"slept " + query.get("id", "").encode()
        start_response("200 OK", text + [("Content-Length", str(len(body)))])
        return [body]
    if path == "/nolength":
        start_response("200 OK", text)
        return (part for part in [b"part1 ", b"", b"part2"])
    if path == "/stream":
        start_response("200 OK", text)
        return stream(query["tag"])
    if path == "/write-stream":
        write = start_response("200 OK", text)
        write(b"w0\n")
        if not wait_for_ack(query["tag"] + "-0"):
            return [b"NO ACK\n"]
        write(b"w1\n")
        return [b"end\n"]
    if path == "/status":
        bodiless = query["status"][:3] in ("204", "304")
        start_response(query["status"], [] if bodiless else text + [("Content-Length", "0")])
        return []
    if path == "/cookies":
        start_response("200 OK", text + [("Set-Cookie", "a=1; Path=/"),
                                          ("Set-Cookie", "b=2; HttpOnly"),
                                          ("X-Case-Kept", "yes"), ("X-Empty", ""),
                                          ("Content-Length", "7")])
        return [b"cookies"]
    if path == "/app-date":
        start_response("200 OK", text + [("Date", "Mon, 01 Jan 2001 00:00:00 GMT"),
                                          ("Content-Length", "4")])
        return [b"date"]
    if path == "/padded":
        start_response("200 OK", text + [("X-Padded", "  padded  "),
                                          ("Content-Length", " 6 ")])
        return [b"padded"]
    if path == "/input-lines":
        source, how = environ["wsgi.input"], query["how"]
        digest, count = hashlib.sha256(), 0
        if how == "readline":
            for line in iter(lambda: source.readline(), b""):
                digest.update(line)
                count += 1
        elif how == "iter":
            for line in source:
                digest.update(line)
                count += 1
        else:  # alternate read(n) and readline(n)
            while True:
                part = source.read(777) if count % 2 == 0 else source.readline(5000)
                if not part:
                    break
                digest.update(part)
                count += 1
        body = json.dumps({"sha256": digest.hexdigest(), "count": count}).encode()
        start_response("200 OK", [("Content-Type", "application/json"),
                                  ("Content-Length", str(len(body)))])
        return [body]
    if path == "/write-big":
        write = start_response("200 OK", text)
        try:
            for i in range(300):
                write(b"y" * (1 << 20))
            record(query["tag"] + " wrote everything")
        except OSError as error:
            record(query["tag"] + " write raised " + ("OSError" if isinstance(error, OSError)
                                                      else "?"))
        return []
    if path == "/big-list":
        body = b"x" * (int(query["mb"]) << 20)
        start_response("200 OK", [("Content-Type", "application/octet-stream"),
                                  ("Content-Length", str(len(body)))])
        return [body]
    if path == "/lazy":
        def body():
            start_response("200 OK", text)  # PEP 3333: any time before the first bytes
            yield b"lazy "
            yield b"start"
        return body()
    if path == "/write-mixed":
        headers = text + ([("Content-Length", "4")] if query.get("length") else [])
        write = start_response("200 OK", headers)
        write(b"a")
        write(b"b")
        return iter([b"c", b"d"])
    if path == "/close":
        start_response("200 OK", text)
        return Recorded(query["tag"], query["mode"])
    if path == "/exc-info-before":
        start_response("200 OK", text)
        try:
            raise ValueError("replaced before the headers went out")
        except ValueError:
            start_response("500 Internal Server Error", text, sys.exc_info())
        return [b"recovered"]
    if path == "/exc-info-after":
        def body():
            yield b"first part"
            try:
                raise ValueError("too late to replace the headers")
            except ValueError:
                start_response("500 Internal Server Error", text, sys.exc_info())
            yield b"never"
        start_response("200 OK", text)
        return body()
    if path == "/file":
        return file_response(environ, start_response, query)
    if path == "/upload":
        stream_in = environ["wsgi.input"]
        digest, length = hashlib.sha256(), 0
        while True:
            block = stream_in.read(65536)
            if not block:
                break
            digest.update(block)
            length += len(block)
        body = json.dumps({"length": length, "sha256": digest.hexdigest(),
                           "content_length": environ.get("CONTENT_LENGTH")}).encode()
        start_response("200 OK", [("Content-Type", "application/json"),
                                  ("Content-Length", str(len(body)))])
        return [body]
    start_response("404 Not Found", text + [("Content-Length", "0")])
    return []
''' + VALIDATOR.format(name="checked").replace("checked = _validator(checked)",
                                               "checked = _validator(inner)") + r'''

def app(environ, start_response):
    if environ["PATH_INFO"].startswith("/raw/"):
        return inner(environ, start_response)
    return checked(environ, start_response)
'''

SERVER_ARGS = {"strata": [], "gunicorn": ["--threads", "4", "--keep-alive", "5"]}


def pattern(size):
    block = hashlib.sha256(b"strata").digest() * 2048
    return (block * (size // len(block) + 1))[:size]


@pytest.fixture(scope="module", params=SERVER_NAMES)
def server(request, tmp_path_factory):
    started = start_server(request.param, tmp_path_factory.mktemp(request.param), APP,
                           "app:app", *SERVER_ARGS[request.param], validate=False)
    yield started
    started.stop()


@pytest.fixture(autouse=True)
def no_validator_complaints(request):
    """Whatever a test does with the module's server, the validator found nothing."""
    if "server" not in request.fixturenames:
        yield
        return
    server = request.getfixturevalue("server")
    watch = LogWatch(server)
    yield
    assert validator_complaints(watch.new()) == [], watch.new()


def get(server, target, version="HTTP/1.1", extra=b""):
    return (f"GET {target} {version}\r\nHost: 127.0.0.1\r\n".encode() + extra + b"\r\n")


def ack(server, name):
    (server.dir / f"ack-{name}").touch()


def next_chunk(reader):
    size = int(reader.read_until(b"\r\n").split(b";")[0], 16)
    data = reader.read_exactly(size)
    assert reader.read_exactly(2) == b"\r\n"
    return data


def closes(server, tag):
    log = server.dir / "closes.log"
    lines = log.read_text().splitlines() if log.exists() else []
    return [line for line in lines if line.startswith(tag + " ")]


# --- streaming ---------------------------------------------------------------------------

def test_each_chunk_arrives_before_the_next_is_produced(server, request):
    tag = f"stream-{request.node.name}-{time.monotonic_ns()}"
    with connect(server) as sock:
        sock.sendall(get(server, f"/stream?tag={tag}"))
        reader = HttpReader(sock)
        version, status, _, headers = reader.head()
        assert status == 200 and ("transfer-encoding", "chunked") in headers
        # The app waits for the test's ack of chunk i before producing chunk i+1: the
        # chunk can only have arrived because it was sent on its own.
        for i in range(3):
            assert next_chunk(reader) == b"chunk %d\n" % i
            if i < 2:
                ack(server, f"{tag}-{i}")
        assert next_chunk(reader) == b""


def test_write_sends_before_the_app_returns(server):
    tag = f"write-{time.monotonic_ns()}"
    with connect(server) as sock:
        sock.sendall(get(server, f"/write-stream?tag={tag}"))
        reader = HttpReader(sock)
        assert reader.head()[1] == 200
        assert next_chunk(reader) == b"w0\n"
        ack(server, f"{tag}-0")
        rest = b""
        while not rest.endswith(b"end\n"):
            chunk = next_chunk(reader)
            assert chunk, rest
            rest += chunk
        assert rest == b"w1\nend\n"
        assert next_chunk(reader) == b""


@pytest.mark.parametrize("length", ["", "yes"])
def test_write_then_iterable_in_order(server, length):
    response = requests.get(f"{server.url}/write-mixed?length={length}", timeout=10)
    assert response.content == b"abcd"
    if length:
        assert response.headers["Content-Length"] == "4"
    else:
        assert response.headers["Transfer-Encoding"] == "chunked"


# --- close() -----------------------------------------------------------------------------

def test_close_is_called_once_after_success(server):
    tag = f"ok-{time.monotonic_ns()}"
    response = requests.get(f"{server.url}/close?tag={tag}&mode=ok", timeout=10)
    assert response.content == b"chunk 0\nchunk 1\nchunk 2\n"
    wait_until(lambda: closes(server, tag), what="close()")
    time.sleep(0.2)
    assert closes(server, tag) == [f"{tag} close 1 after 3 chunks"]


def test_close_is_called_once_when_the_app_fails_mid_body(server):
    tag = f"error-{time.monotonic_ns()}"
    with connect(server) as sock:
        sock.sendall(get(server, f"/close?tag={tag}&mode=error"))
        reply = read_all(sock)
    assert reply.startswith(b"HTTP/1.1 200 ")
    assert b"chunk 0\n" in reply
    assert not reply.endswith(b"0\r\n\r\n"), "the body must not look complete"
    wait_until(lambda: closes(server, tag), what="close()")
    assert server.wait_for_log(f"app failed mid-body for {tag}")
    time.sleep(0.2)
    assert closes(server, tag) == [f"{tag} close 1 after 1 chunks"]


def test_close_is_called_once_when_the_client_goes_away(server):
    tag = f"gone-{time.monotonic_ns()}"
    with connect(server) as sock:
        sock.sendall(get(server, f"/close?tag={tag}&mode=endless"))
        reader = HttpReader(sock)
        assert reader.head()[1] == 200
        assert next_chunk(reader) == b"chunk 0\n"
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    found = wait_until(lambda: closes(server, tag), timeout=20, what="close() after a disconnect")
    assert len(found) == 1 and found[0].startswith(f"{tag} close 1 after ")
    sent = int(found[0].split()[-2])
    assert sent < 4000, "the app was not stopped when its client went away"
    time.sleep(0.2)
    assert len(closes(server, tag)) == 1


def test_close_is_called_for_head_too(server):
    tag = f"head-{time.monotonic_ns()}"
    response = requests.head(f"{server.url}/close?tag={tag}&mode=ok", timeout=10)
    assert response.status_code == 200 and response.content == b""
    wait_until(lambda: closes(server, tag), what="close()")
    time.sleep(0.2)
    assert len(closes(server, tag)) == 1


def test_write_raises_oserror_once_the_client_is_gone(server):
    tag = f"write-gone-{time.monotonic_ns()}"
    with connect(server) as sock:
        sock.sendall(get(server, f"/write-big?tag={tag}"))
        reader = HttpReader(sock)
        assert reader.head()[1] == 200
        reader.read_exactly(1 << 20)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    found = wait_until(lambda: closes(server, tag), timeout=20, what="the app's record")
    assert found == [f"{tag} write raised OSError"]
    assert requests.get(f"{server.url}/hello", timeout=10).status_code == 200


# --- exc_info ----------------------------------------------------------------------------

def test_exc_info_before_the_headers_replaces_the_response(server):
    response = requests.get(f"{server.url}/exc-info-before", timeout=10)
    assert response.status_code == 500
    assert response.content == b"recovered"


def test_exc_info_after_the_headers_reraises_and_cuts_the_body(server):
    with connect(server) as sock:
        sock.sendall(get(server, "/exc-info-after"))
        reply = read_all(sock)
    assert reply.startswith(b"HTTP/1.1 200 ")
    assert b"first part" in reply and b"never" not in reply
    assert not reply.endswith(b"0\r\n\r\n"), "a cut body must not end like a whole one"
    assert server.wait_for_log("too late to replace the headers")


# --- wsgi.file_wrapper -------------------------------------------------------------------

FILE_SIZE = 20 * 1024 * 1024 + 7


@pytest.mark.parametrize("prefix", ["/raw", ""], ids=["sendfile", "validated"])
@pytest.mark.parametrize("offset,length", [(0, "yes"), (0, ""), (123457, "yes"), (123457, "")])
def test_file_wrapper_sends_the_right_bytes(server, prefix, offset, length, request):
    if server.name == "gunicorn" and prefix == "/raw" and offset:
        request.applymarker(pytest.mark.xfail(strict=True, reason=(
            "gunicorn 20.1 bug: Response.sendfile() calls sock.sendfile(file, count=n) "
            "without the offset, so a seeked file goes out from its start")))
    url = f"{server.url}{prefix}/file?size={FILE_SIZE}&offset={offset}&length={length}"
    response = requests.get(url, timeout=30)
    assert response.status_code == 200
    expected = pattern(FILE_SIZE)[offset:]
    assert len(response.content) == len(expected)
    assert hashlib.sha256(response.content).hexdigest() == hashlib.sha256(expected).hexdigest()
    if length:
        assert response.headers["Content-Length"] == str(len(expected))


def test_file_wrapper_small_block_size(server):
    response = requests.get(f"{server.url}/file?size=100000&offset=3&blksize=777", timeout=30)
    assert response.content == pattern(100000)[3:]


# --- request bodies ----------------------------------------------------------------------

def test_chunked_upload_is_read_to_eof(server):
    blocks = [bytes([i]) * (1000 + i * 37) for i in range(200)]

    def generate():
        yield from blocks

    response = requests.post(f"{server.url}/upload", data=generate(), timeout=30)
    whole = b"".join(blocks)
    assert response.json() == {"length": len(whole), "sha256": hashlib.sha256(whole).hexdigest(),
                               "content_length": None}


def test_chunked_upload_with_extensions_and_trailers(server):
    with connect(server) as sock:
        sock.sendall(b"POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                     b"5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n")
        response = HttpReader(sock).response()
    assert json.loads(response.body)["sha256"] == hashlib.sha256(b"hello world").hexdigest()


def test_expect_100_continue(server):
    body = b"x" * 100000
    with connect(server) as sock:
        sock.sendall(b"POST /upload HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
                     b"Content-Length: %d\r\n\r\n" % len(body))
        reader = HttpReader(sock)
        version, status, _, _ = reader.head()
        assert status == 100, "the server must ask for the body before it is sent"
        sock.sendall(body)
        response = reader.response()
    assert response.status == 200
    assert json.loads(response.body)["length"] == len(body)


def test_curl_upload_with_expect(server, tmp_path):
    upload = tmp_path / "upload.bin"
    upload.write_bytes(pattern(3 * 1024 * 1024))
    out = subprocess.run([require_tool("curl"), "-sS", "--max-time", "20", "-T", str(upload),
                          "-H", "Expect: 100-continue", "-X", "POST", f"{server.url}/upload"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["sha256"] == hashlib.sha256(upload.read_bytes()).hexdigest()


# --- framing -----------------------------------------------------------------------------

GUNICORN_HEAD_BUG = pytest.mark.xfail(strict=True, reason=(
    "gunicorn 20.1 bug: Response.write() sends the app's body for HEAD too, so the next "
    "response on the connection starts with it"))


def test_head_has_no_body_and_the_connection_lives_on(server, request):
    if server.name == "gunicorn":
        request.applymarker(GUNICORN_HEAD_BUG)
    with connect(server) as sock:
        sock.sendall(b"HEAD /hello HTTP/1.1\r\nHost: h\r\n\r\n")
        reader = HttpReader(sock)
        head = reader.response("HEAD")
        assert head.status == 200 and head.header("content-length") == "14"
        sock.sendall(get(server, "/hello"))
        follow = reader.response()
        assert follow.body == b"Hello, World!\n", "bytes of the HEAD body leaked"


def test_head_of_a_streamed_response_has_no_body(server, request):
    if server.name == "gunicorn":
        request.applymarker(GUNICORN_HEAD_BUG)
    with connect(server) as sock:
        sock.sendall(b"HEAD /nolength HTTP/1.1\r\nHost: h\r\n\r\n")
        reader = HttpReader(sock)
        assert reader.response("HEAD").status == 200
        sock.sendall(get(server, "/echo/after-head"))
        assert reader.response().body == b"/echo/after-head"


def test_keep_alive_serves_requests_in_turn(server):
    with connect(server) as sock:
        reader = HttpReader(sock)
        for i in range(5):
            sock.sendall(get(server, f"/echo/{i}"))
            response = reader.response()
            assert response.body == f"/echo/{i}".encode()
            assert response.header("connection", "keep-alive").lower() != "close"


def test_pipelined_requests_are_answered_in_order(server, request):
    if server.name == "gunicorn":
        request.applymarker(pytest.mark.xfail(strict=True, reason=(
            "gunicorn 20.1's gthread worker waits for the socket to turn readable again "
            "and never sees the requests already in its buffer")))
    with connect(server, timeout=3) as sock:
        sock.sendall(get(server, "/sleep?s=0.3&id=first") + get(server, "/echo/second")
                     + b"HEAD /hello HTTP/1.1\r\nHost: h\r\n\r\n" + get(server, "/echo/fourth"))
        reader = HttpReader(sock)
        bodies = [reader.response(method).body for method in ("GET", "GET", "HEAD", "GET")]
    assert bodies == [b"slept first", b"/echo/second", b"", b"/echo/fourth"]


def test_http11_response_without_length_is_chunked(server):
    with connect(server) as sock:
        sock.sendall(get(server, "/nolength"))
        response = HttpReader(sock).response()
    assert response.chunked
    assert response.body == b"part1 part2"


def test_http10_response_without_length_is_close_delimited(server):
    with connect(server) as sock:
        sock.sendall(get(server, "/nolength", version="HTTP/1.0"))
        reply = read_all(sock)
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.split(b" ")[1] == b"200"
    assert b"transfer-encoding" not in head.lower()
    assert body == b"part1 part2"


def test_http10_with_length_closes_unless_asked(server):
    with connect(server) as sock:
        sock.sendall(get(server, "/hello", version="HTTP/1.0"))
        reply = read_all(sock)
    assert reply.endswith(b"\r\n\r\nHello, World!\n")


@pytest.mark.parametrize("status", ["299 Custom Reason Phrase", "418 I'm a teapot"])
def test_status_line_carries_the_apps_reason(server, status):
    with connect(server) as sock:
        sock.sendall(get(server, f"/status?status={status.replace(' ', '+')}"))
        version, code, reason, _ = HttpReader(sock).head()
    assert f"{code} {reason}" == status


@pytest.mark.parametrize("status", ["204 No Content", "304 Not Modified"])
def test_bodiless_statuses_keep_the_connection(server, status):
    with connect(server) as sock:
        reader = HttpReader(sock)
        sock.sendall(get(server, f"/status?status={status.replace(' ', '+')}"))
        response = reader.response()
        assert response.status == int(status[:3])
        assert response.header("transfer-encoding") is None
        sock.sendall(get(server, "/echo/after"))
        assert reader.response().body == b"/echo/after"


def test_repeated_headers_stay_separate(server):
    response = raw_get(server, "/cookies")
    assert [v for n, v in response.headers if n == "set-cookie"] == ["a=1; Path=/",
                                                                      "b=2; HttpOnly"]
    assert response.header("x-case-kept") == "yes"
    assert response.header("x-empty") == ""
    assert response.body == b"cookies"


def test_one_date_header_when_the_app_sends_its_own(server, request):
    """Date is a singleton field (RFC 9110 §6.6.1). gunicorn drops the app's Date (and
    Server) as it drops hop-by-hop headers; strata keeps the app's Server instead of its
    own, which is fine, but sends the app's Date next to its own."""
    response = raw_get(server, "/app-date")
    assert len([v for n, v in response.headers if n == "date"]) == 1
    assert response.body == b"date"


def test_header_values_lose_surrounding_whitespace(server, request):
    """RFC 9110 §5.5: a field value has no leading or trailing whitespace; gunicorn strips
    it from the app's values (Content-Length included) and answers 200."""
    response = raw_get(server, "/padded")
    assert response.status == 200
    assert response.header("x-padded") == "padded"
    assert response.body == b"padded"


def raw_get(server, target):
    with connect(server) as sock:
        sock.sendall(get(server, target))
        return HttpReader(sock).response()


@pytest.mark.parametrize("how", ["readline", "iter", "mixed"])
def test_reading_lines_of_a_spooled_body(server, how):
    # Over 1 MiB: strata reads it from its temporary file through a window; lines cross
    # the window's edges.
    lines = [b"%d:" % i + b"x" * ((i * 7919) % 3001) + b"\n" for i in range(2000)]
    body = b"".join(lines) + b"no newline at the end"
    assert len(body) > 2 * 1024 * 1024
    response = requests.post(f"{server.url}/input-lines?how={how}", data=body, timeout=30)
    answer = response.json()
    assert answer["sha256"] == hashlib.sha256(body).hexdigest()
    if how != "mixed":
        assert answer["count"] == len(lines) + 1


def test_stalled_client_of_a_list_body_holds_no_app_thread(tmp_path):
    """docs/wsgi.md: 'A slow or stalled client costs a connection slot, never a Python
    thread' and a list body 'goes out as one response with one write'. With the one
    app thread of the default, a client that never reads a 30 MiB list body must not
    stop another client from being served. (strata only: gunicorn's sync worker blocks
    in sendall by design.)"""
    server = start_server("strata", tmp_path, APP, validate=False)
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as stalled:
            stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            # /raw/: past the validator, whose wrapper would hide that the body is a list.
            stalled.sendall(get(server, "/raw/big-list?mb=30"))
            time.sleep(0.5)
            response = requests.get(f"{server.url}/hello", timeout=3)
            assert response.text == "Hello, World!\n"
    finally:
        server.stop()


def test_start_response_from_inside_the_generator(server):
    response = requests.get(f"{server.url}/lazy", timeout=10)
    assert response.status_code == 200
    assert response.content == b"lazy start"


def test_unread_request_body_does_not_break_keep_alive(server):
    with connect(server) as sock:
        reader = HttpReader(sock)
        body = b"ignored by the app " * 1000
        sock.sendall(b"POST /hello HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n%s"
                     % (len(body), body))
        assert reader.response().body == b"Hello, World!\n"
        sock.sendall(get(server, "/echo/next"))
        assert reader.response().body == b"/echo/next"


def test_connection_close_from_the_client_is_honoured(server):
    with connect(server) as sock:
        sock.sendall(get(server, "/hello", extra=b"Connection: close\r\n"))
        reply = read_all(sock)
    assert reply.endswith(b"\r\n\r\nHello, World!\n")
    assert b"connection: close" in reply.lower()


def test_unknown_path_is_a_404(server):
    assert requests.get(f"{server.url}/nowhere", timeout=10).status_code == 404
