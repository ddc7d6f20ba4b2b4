"""HTTP/1.1 connection behaviour: persistence, pipelining, 100-continue, bodies."""
import hashlib
import socket
import subprocess
import threading
import time

import requests

from conftest import exchange, read_response, require_tool, statuses

HOST = b"Host: test\r\n"


def test_keep_alive_serves_many_requests_on_one_connection(strata):
    with strata.connect() as sock:
        for _ in range(50):
            sock.sendall(b"GET / HTTP/1.1\r\n" + HOST + b"\r\n")
            status, headers, body, leftover = read_response(sock)
            assert (status, headers["connection"], body, leftover) == (
                200, "keep-alive", b"Hello World\n", b"")


def test_pipelined_requests_are_answered_in_order(strata):
    request = lambda path, extra=b"": b"GET " + path + b" HTTP/1.1\r\n" + HOST + extra + b"\r\n"
    wire = (request(b"/path/to/resource") + request(b"/missing") + request(b"/") +
            request(b"/", b"Connection: close\r\n"))
    with strata.connect() as sock:
        reply = exchange(sock, wire)
    assert statuses(reply) == [200, 404, 200, 200]
    assert reply.index(b"You found the resource.") < reply.index(b"404 Not Found") < reply.index(
        b"Hello World")
    assert reply.endswith(b"Hello World\n")


def test_pipelined_requests_in_one_byte_writes(strata):
    wire = b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
    with strata.connect() as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for byte in wire[:-1]:
            sock.send(bytes([byte]))
        reply = exchange(sock, wire[-1:])
    assert reply.count(b"HTTP/1.1 200 OK") == 2


def test_expect_100_continue_is_answered_before_the_body(strata):
    with strata.connect() as sock:
        sock.sendall(b"POST / HTTP/1.1\r\n" + HOST + b"Content-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        assert sock.recv(1024) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(b"hello")
        status, headers, _, _ = read_response(sock)
        assert status == 405  # static files take GET and HEAD only
        assert headers["connection"] == "keep-alive"  # the body was read: the framing holds


def test_request_bodies_are_consumed_and_the_connection_reused(strata):
    chunked = b"POST / HTTP/1.1\r\n" + HOST + b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
    sized = b"PUT / HTTP/1.1\r\n" + HOST + b"Content-Length: 3\r\n\r\nabc"
    get = b"GET / HTTP/1.1\r\n" + HOST + b"Connection: close\r\n\r\n"
    with strata.connect() as sock:
        reply = exchange(sock, chunked + sized + get)
    assert statuses(reply) == [405, 405, 200]


def test_head_has_headers_but_no_body(strata):
    with strata.connect() as sock:
        reply = exchange(sock, b"HEAD / HTTP/1.1\r\n" + HOST + b"Connection: close\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"Content-Length: 12\r\n" in reply
    assert reply.endswith(b"\r\n\r\n")


def test_large_file_is_sent_whole(strata, site):
    curl = require_tool("curl")
    out = subprocess.run([curl, "-sS", f"{strata.url}/big.bin"], capture_output=True, check=True,
                         timeout=30).stdout
    assert hashlib.sha256(out).digest() == hashlib.sha256((site / "big.bin").read_bytes()).digest()


def test_client_that_reads_late_still_gets_the_whole_file(strata, site):
    # 5 MB is more than the loopback socket buffers hold: the server's writes block and
    # resume when the client starts reading.
    expected = (site / "big.bin").read_bytes()
    with strata.connect(timeout=30) as sock:
        sock.sendall(b"GET /big.bin HTTP/1.1\r\n" + HOST + b"Connection: close\r\n\r\n")
        time.sleep(0.5)
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    assert data.endswith(expected)
    assert data.startswith(b"HTTP/1.1 200 OK\r\n")


def test_concurrent_clients(strata):
    errors = []

    def client():
        try:
            with requests.Session() as s:
                for _ in range(20):
                    r = s.get(f"{strata.url}/path/to/resource", timeout=10)
                    assert r.status_code == 200 and r.content == b"You found the resource.\n"
        except Exception as e:  # collected and asserted below, in the test's thread
            errors.append(repr(e))

    threads = [threading.Thread(target=client) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_requests_library_sees_nginx_like_headers(strata):
    r = requests.get(f"{strata.url}/", timeout=5)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html"
    assert r.headers["Accept-Ranges"] == "bytes"
    assert r.headers["ETag"].startswith('"') and "-c" in r.headers["ETag"]
    assert list(r.headers)[:4] == ["Server", "Date", "Content-Type", "Content-Length"]


def test_a_changed_file_is_served_fresh(strata, site):
    # nginx without open_file_cache reads the file anew for every request; strata shares
    # file lookups only within a few milliseconds, so an edit shows at once.
    assert requests.get(f"{strata.url}/path/to/resource", timeout=5).content == b"You found the resource.\n"
    (site / "path/to/resource").write_bytes(b"Edited.\n")
    time.sleep(0.05)
    r = requests.get(f"{strata.url}/path/to/resource", timeout=5)
    assert r.content == b"Edited.\n"
    assert r.headers["Content-Length"] == "8"
