"""Bad requests get the right status, an nginx-shaped page, and a closed connection."""
import pytest

from conftest import exchange, statuses

CASES = [
    ("missing host", b"GET / HTTP/1.1\r\n\r\n", 400),
    ("content-length and chunked", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ("differing content-lengths", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
     b"Content-Length: 2\r\n\r\nab", 400),
    ("unknown transfer coding", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
    ("chunked not last", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n", 400),
    ("nul in header value", b"GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n", 400),
    ("bare cr in header value", b"GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", 400),
    ("space before colon", b"GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400),
    ("obs-fold", b"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", 400),
    ("lower-case method", b"get / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ("http/2.0", b"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505),
    ("request line too long", b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: a\r\n\r\n", 414),
    ("header too long", b"GET / HTTP/1.1\r\nHost: a\r\nX: " + b"a" * 9000 + b"\r\n\r\n", 431),
    ("too many headers", b"GET / HTTP/1.1\r\nHost: a\r\n" + b"X: 1\r\n" * 101 + b"\r\n", 431),
    ("body too large", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1048577\r\n\r\n", 413),
    ("bad chunk size", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
    ("dot-dot above root", b"GET /../etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ("encoded dot-dot above root", b"GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ("encoded nul", b"GET /index.html%00.txt HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ("unknown method", b"BREW / HTTP/1.1\r\nHost: a\r\n\r\n", 405),
]


@pytest.mark.parametrize("name,wire,status", CASES, ids=[c[0] for c in CASES])
def test_bad_request_status_and_page(strata, name, wire, status):
    # A pipelined request behind the bad one must never be answered.
    with strata.connect() as sock:
        reply = exchange(sock, wire + b"GET /path/to/resource HTTP/1.1\r\nHost: a\r\n"
                               b"Connection: close\r\n\r\n")
    assert reply.startswith(f"HTTP/1.1 {status} ".encode()), reply[:200]
    assert b"<center><h1>%d " % status in reply
    if status == 405:  # an ordinary answer: the connection goes on
        assert statuses(reply) == [405, 200]
    else:  # the framing can't be trusted: the connection ends
        assert b"Connection: close\r\n" in reply
        assert b"You found the resource" not in reply
        assert len(statuses(reply)) == 1


def test_missing_files_and_directories(strata):
    with strata.connect() as sock:
        reply = exchange(sock, b"GET /nope HTTP/1.1\r\nHost: a\r\n\r\n"
                               b"GET /empty/ HTTP/1.1\r\nHost: a\r\n\r\n"
                               b"GET /path HTTP/1.1\r\nHost: example.com:8080\r\nConnection: close\r\n\r\n")
    assert statuses(reply) == [404, 403, 301]
    # nginx names the port it listens on, not the one in Host (port_in_redirect).
    assert f"Location: http://example.com:{strata.port}/path/\r\n".encode() in reply
