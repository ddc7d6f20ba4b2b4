"""proxy_buffering: with it on (the default) a slow client never holds the upstream —
the backend has sent its whole large answer and is free while the client has read
almost nothing (the rest waits in proxy_buffers and a temporary file); with it off, or
with proxy_max_temp_file_size 0, the backend is held back by the client's pace. Either
way the client gets every byte, in order."""
import socket
import time

import pytest

from conftest import Strata
from proxy_backend import Backend

SIZE = 48 * 1024 * 1024  # well beyond what the kernel's socket buffers can hold


@pytest.fixture
def backend():
    b = Backend("big")
    yield b
    b.stop()


def start(tmp_path, backend, settings):
    return Strata(tmp_path, f"""
        upstream big {{ server {backend.address}; keepalive 2; }}
        server {{
            listen 127.0.0.1:PORT;
            location / {{
                proxy_pass http://big;
                proxy_http_version 1.1;
                proxy_set_header Connection "";
                {settings}
            }}
        }}""")


def slow_client(port, path, stall):
    """Sends the request with a small receive buffer, reads the head and a little,
    stalls for `stall` seconds, then reads the rest: (body length, time it stalled)."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 * 1024)
    s.connect(("127.0.0.1", port))
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".encode())
    data = s.recv(16 * 1024)
    stalled_at = time.monotonic()
    time.sleep(stall)
    chunks = [data]
    s.settimeout(30)
    while True:
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    s.close()
    body = b"".join(chunks).partition(b"\r\n\r\n")[2]
    return body, stalled_at


def check_body(body):
    assert len(body) == SIZE
    assert body == b"x" * SIZE


def test_buffering_releases_the_backend_before_the_client_reads(tmp_path, backend):
    server = start(tmp_path, backend, "")
    try:
        body, stalled_at = slow_client(server.port, f"/big/{SIZE}", stall=3)
        check_body(body)
        finished = backend.answered[f"/big/{SIZE}"]
        assert finished < stalled_at + 2.5, "the backend waited for the slow client"
        # The connection went back to the keep-alive cache and serves the next request.
        body, _ = slow_client(server.port, "/big/10", stall=0)
        assert body == b"x" * 10
        assert backend.connections == 1
    finally:
        server.stop()


@pytest.mark.parametrize("settings", ["proxy_buffering off;", "proxy_max_temp_file_size 0;"])
def test_without_a_file_the_client_paces_the_backend(tmp_path, backend, settings):
    server = start(tmp_path, backend, settings)
    try:
        body, stalled_at = slow_client(server.port, f"/big/{SIZE}", stall=3)
        check_body(body)
        finished = backend.answered[f"/big/{SIZE}"]
        assert finished > stalled_at + 2.5, "the backend finished while the client stalled"
    finally:
        server.stop()


def dechunk(body):
    decoded, rest = b"", body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            break
        decoded += rest[:size]
        rest = rest[size + 2:]
    return decoded


def test_chunked_and_close_delimited_bodies_through_the_file(tmp_path, backend):
    server = start(tmp_path, backend, "proxy_buffers 4 4k;")
    try:
        body, _ = slow_client(server.port, "/chunked/3000000", stall=1)
        assert dechunk(body) == b"c" * 3000000
        # An HTTP/1.0 answer ended by closing is sent chunked to an HTTP/1.1 client.
        body, _ = slow_client(server.port, "/close/3000000", stall=1)
        assert dechunk(body) == b"z" * 3000000
    finally:
        server.stop()
