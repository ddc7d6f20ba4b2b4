"""Apps that break PEP 3333 or fail: what the client gets and what the error log says.

These apps are not run under wsgiref's validator: it would catch each mistake itself
and the server would only see an AssertionError. Where gunicorn 20.1 behaves the same,
the test runs against both; where strata is deliberately stricter or more helpful
(a str chunk, a hop-by-hop header, a short body), against strata only, and the
docstring says what gunicorn does instead."""

import pytest
import requests

from wsgi_servers import (SERVER_NAMES, HttpReader, LogWatch, connect, read_all,
                          start_server, wait_until)

APP = r'''
import sys


class ClosesBadly:
    def __iter__(self):
        yield b"fine body"

    def close(self):
        raise OSError("close() exploded")


def app(environ, start_response):
    path = environ["PATH_INFO"]
    text = [("Content-Type", "text/plain")]
    if path == "/raise-before":
        1 / 0
    if path == "/raise-after":
        def body():
            yield b"partial"
            raise LookupError("failed after the headers went out")
        start_response("200 OK", text)
        return body()
    if path == "/raise-after-length":
        def body():
            yield b"partial"
            raise LookupError("failed inside a body with a length")
        start_response("200 OK", text + [("Content-Length", "100")])
        return body()
    if path == "/str-body":
        start_response("200 OK", text)
        return ["Hello, World!\n"]
    if path == "/str-second-chunk":
        def body():
            yield b"bytes first "
            yield "then a str"
        start_response("200 OK", text)
        return body()
    if path == "/none":
        start_response("200 OK", text)
        return None
    if path == "/int":
        start_response("200 OK", text)
        return 42
    if path == "/bare-bytes":
        start_response("200 OK", text)
        return b"forgot the list"
    if path == "/bare-str":
        start_response("200 OK", text)
        return "forgot the list and the encoding"
    if path == "/no-start-response":
        return [b"nobody called start_response"]
    if path == "/no-start-response-empty":
        return []
    if path == "/short-length":
        start_response("200 OK", text + [("Content-Length", "100")])
        return [b"only ten b"]
    if path == "/long-length":
        start_response("200 OK", text + [("Content-Length", "5")])
        return [b"0123456789"]
    if path.startswith("/hop/"):
        name = path[len("/hop/"):]
        start_response("200 OK", text + [(name, "close" if name == "Connection" else "x")])
        return [b"hop"]
    if path == "/twice":
        start_response("200 OK", text)
        start_response("200 OK", text)
        return [b"twice"]
    if path == "/bad-status":
        start_response("OK", text)
        return [b"bad status"]
    if path == "/newline-header":
        start_response("200 OK", text + [("X-Evil", "a\r\nSet-Cookie: b=c")])
        return [b"evil"]
    if path == "/str-write":
        write = start_response("200 OK", text)
        write("not bytes")
        return []
    if path == "/close-raises":
        start_response("200 OK", text + [("Content-Length", "9")])
        return ClosesBadly()
    if path == "/sys-exit":
        sys.exit("the app called sys.exit()")
    if path == "/pid":
        import os
        body = str(os.getpid()).encode()
        start_response("200 OK", text + [("Content-Length", str(len(body)))])
        return [body]
    if path == "/ok":
        start_response("200 OK", text + [("Content-Length", "2")])
        return [b"ok"]
    start_response("404 Not Found", text)
    return [b"not found"]
'''


@pytest.fixture(scope="module", params=SERVER_NAMES)
def server(request, tmp_path_factory):
    started = start_server(request.param, tmp_path_factory.mktemp(request.param), APP,
                           validate=False)
    yield started
    started.stop()


@pytest.fixture(scope="module")
def strata(tmp_path_factory):
    """strata alone, for its own behaviour (each test's docstring says gunicorn's)."""
    started = start_server("strata", tmp_path_factory.mktemp("strata-only"), APP,
                           validate=False)
    yield started
    started.stop()


def get(server, path, version="HTTP/1.1"):
    with connect(server) as sock:
        sock.sendall(f"GET {path} {version}\r\nHost: h\r\n\r\n".encode())
        return HttpReader(sock).response()


def get_raw(server, path):
    """The whole reply until the server closes, and whether it closed."""
    with connect(server) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: h\r\n\r\n".encode())
        return read_all(sock, timeout=10)


def log_after(server, watch, *needles, timeout=10):
    wait_until(lambda: all(n in watch.new() for n in needles), timeout=timeout,
               what=f"{needles} in the log")
    return watch.new()


def server_still_serves(server):
    assert requests.get(f"{server.url}/ok", timeout=10).text == "ok"


def test_exception_before_start_response_is_a_500_with_the_traceback(server):
    watch = LogWatch(server)
    response = get(server, "/raise-before")
    assert response.status == 500
    assert b"Internal Server Error" in response.body
    log = log_after(server, watch, "Error handling request", "ZeroDivisionError")
    assert "Traceback (most recent call last):" in log
    assert "1 / 0" in log
    server_still_serves(server)


@pytest.mark.parametrize("path", ["/raise-after", "/raise-after-length"])
def test_exception_after_the_headers_cuts_the_connection(server, path):
    watch = LogWatch(server)
    reply = get_raw(server, path)
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert b"partial" in body
    if path == "/raise-after":
        assert not body.endswith(b"0\r\n\r\n"), "the cut body must not end like a whole one"
    else:
        assert len(body) < 100
    log_after(server, watch, "LookupError", "Traceback")
    server_still_serves(server)


def test_str_body_is_a_500_that_says_how_to_fix_it(strata):
    """gunicorn 20.1 sends the 200 head, then fails on the chunk ('... is not a byte')
    and closes the connection."""
    watch = LogWatch(strata)
    response = get(strata, "/str-body")
    assert response.status == 500
    log = log_after(strata, watch, "must be bytes")
    assert "str chunk" in log
    assert 'encode it, e.g. `return [body.encode("utf-8")]`' in log
    server_still_serves(strata)


def test_str_chunk_after_bytes_cuts_the_connection(strata):
    watch = LogWatch(strata)
    reply = get_raw(strata, "/str-second-chunk")
    assert reply.startswith(b"HTTP/1.1 200 ")
    assert b"bytes first" in reply and not reply.endswith(b"0\r\n\r\n")
    log_after(strata, watch, "must be bytes")


@pytest.mark.parametrize("path,what", [("/none", "returned None"),
                                       ("/int", "returned a value of type 'int'")])
def test_non_iterable_return_is_a_500(server, path, what):
    watch = LogWatch(server)
    assert get(server, path).status == 500
    if server.name == "strata":
        log = log_after(server, watch, what)
        assert "which is not iterable: a WSGI app must return an iterable of bytes" in log
    else:
        log_after(server, watch, "is not iterable")
    server_still_serves(server)


@pytest.mark.parametrize("path,message", [
    ("/bare-bytes", "the WSGI app returned a bytes object itself, but a WSGI app must return "
                    "an iterable of bytes (PEP 3333) and iterating a bytes gives ints: wrap "
                    "it in a list, e.g. `return [body]`"),
    ("/bare-str", "the WSGI app returned a str itself, but a WSGI app must return an iterable "
                  "of bytes (PEP 3333): encode it and wrap it in a list, e.g. "
                  '`return [body.encode("utf-8")]`'),
])
def test_body_returned_without_a_list_is_a_500_that_says_why(strata, path, message):
    """gunicorn 20.1 sends the 200 head, then fails on the first int (or one-character
    str) and cuts the connection."""
    watch = LogWatch(strata)
    assert get(strata, path).status == 500
    log_after(strata, watch, f"Error handling request {path}: {message}")
    server_still_serves(strata)


@pytest.mark.parametrize("path,message", [
    ("/no-start-response", "the application returned body bytes before calling start_response()"),
    ("/no-start-response-empty", "the application never called start_response()"),
])
def test_start_response_never_called_is_a_500(strata, path, message):
    """gunicorn 20.1 writes a head with the status "None" ("HTTP/1.1 None")."""
    watch = LogWatch(strata)
    assert get(strata, path).status == 500
    log_after(strata, watch, f"Error handling request {path}: {message}")
    server_still_serves(strata)


def test_short_body_closes_the_connection_and_is_logged(strata):
    """gunicorn 20.1 sends the ten bytes and leaves the client waiting for the rest."""
    watch = LogWatch(strata)
    reply = get_raw(strata, "/short-length")
    head, _, body = reply.partition(b"\r\n\r\n")
    assert b"Content-Length: 100" in head
    assert body == b"only ten b"
    log_after(strata, watch, "shorter than its Content-Length (10 of 100 bytes)")


def test_body_longer_than_its_length_is_clipped(server):
    response = get(server, "/long-length")
    assert response.body == b"01234"
    server_still_serves(server)


@pytest.mark.parametrize("name", ["Connection", "Transfer-Encoding", "Keep-Alive", "Upgrade",
                                  "TE", "Trailer", "Proxy-Authenticate"])
def test_hop_by_hop_header_from_the_app_is_a_500(strata, name):
    """Stricter than gunicorn 20.1 (and as PEP 3333 requires of apps): gunicorn drops the
    header silently and answers 200."""
    watch = LogWatch(strata)
    assert get(strata, f"/hop/{name}").status == 500
    log_after(strata, watch, f'hop-by-hop header "{name}" is not allowed')
    server_still_serves(strata)


def test_second_start_response_without_exc_info_is_a_500(server):
    watch = LogWatch(server)
    assert get(server, "/twice").status == 500
    log_after(server, watch, "already set")


@pytest.mark.parametrize("path,needle", [
    ("/bad-status", 'invalid status "OK": it must be "NNN reason"'),
    ("/newline-header", 'invalid value for header "X-Evil": control characters'),
])
def test_malformed_status_or_header_is_a_500(strata, path, needle):
    """gunicorn 20.1 sends "HTTP/1.1 OK" for the status "OK", and a 400 for the header
    value with CR LF in it."""
    watch = LogWatch(strata)
    response = get(strata, path)
    assert response.status == 500
    assert response.header("set-cookie") is None
    log_after(strata, watch, needle)
    server_still_serves(strata)


def test_write_of_a_str_is_a_500(strata):
    """gunicorn 20.1 sends the head first, then raises; the client gets a cut 200."""
    watch = LogWatch(strata)
    assert get(strata, "/str-write").status == 500
    log_after(strata, watch, "write() argument must be bytes, not str")


def test_exception_in_close_is_logged_and_the_response_stands(server):
    watch = LogWatch(server)
    response = get(server, "/close-raises")
    assert response.status == 200 and response.body == b"fine body"
    log_after(server, watch, "close() exploded")
    server_still_serves(server)


def test_sys_exit_in_the_app_is_a_500_and_the_worker_lives_on(strata):
    """gunicorn 20.1's sync worker lets SystemExit through: the worker exits and the
    master boots another, the client gets no response."""
    before = get(strata, "/pid").body
    watch = LogWatch(strata)
    assert get(strata, "/sys-exit").status == 500
    log_after(strata, watch, "SystemExit: the app called sys.exit()")
    assert get(strata, "/pid").body == before


def test_error_page_matches_gunicorns(tmp_path):
    """The 500 strata sends for an app that raised looks like gunicorn's."""
    pages = {}
    for kind in SERVER_NAMES:
        server = start_server(kind, tmp_path / kind, APP, validate=False)
        try:
            response = get(server, "/raise-before")
            pages[kind] = (response.status, response.reason, response.header("content-type"),
                           response.body)
        finally:
            server.stop()
    assert pages["strata"] == pages["gunicorn"]
