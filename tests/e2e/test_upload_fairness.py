"""A fast upload does not keep its worker to itself: the worker reads a bounded amount
from one connection per turn of its event loop, then serves the others.

Made deterministic by stopping the worker (SIGSTOP) while a client has tens of MiB of
body queued in its socket (a large send buffer) and another client's GET is waiting
behind it; once the worker resumes, both are ready in one batch, the upload first. The
GET must be answered while most of the upload is still queued at the client — not after
the worker has read all of it (which is what happened before: a 1.5 GiB upload held the
worker's other clients back by up to 0.9 s). An ordering, not a speed, is asserted."""
import fcntl
import os
import signal
import socket
import struct
import termios
import time

from conftest import Strata
from wsgi_servers import child_pids, wait_until

QUEUED = 32 << 20  # what the uploader queues while the worker is stopped
ROUNDS = 5
SO_SNDBUFFORCE = getattr(socket, "SO_SNDBUFFORCE", 32)  # Linux's number; Python lacks the name


def unsent(sock):
    """Bytes still in `sock`'s send queue (not yet taken by the receiver)."""
    return struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0" * 4))[0]


def behind_an_upload(worker, uploader, other):
    """One round: the worker stopped, the upload queued, a GET behind it, the worker
    resumed; the GET must be answered before the worker took half the upload."""
    os.kill(worker, signal.SIGSTOP)
    try:
        block_of = b"y" * (1 << 20)
        queued = 0
        while queued < QUEUED:
            try:
                queued += uploader.send(block_of)
            except BlockingIOError:
                break
        time.sleep(0.1)
        queued_at_client = unsent(uploader)
        assert queued_at_client >= QUEUED // 2, (queued, queued_at_client)
        other.sendall(b"GET /index.html HTTP/1.1\r\nHost: a\r\n\r\n")  # behind the upload
    finally:
        os.kill(worker, signal.SIGCONT)
    answer = other.recv(65536)
    left = unsent(uploader)
    assert answer.startswith(b"HTTP/1.1 200 "), answer
    assert left >= queued_at_client // 2, \
        f"the GET waited until the worker had read {queued_at_client - left} bytes of the upload"


def test_a_fast_upload_lets_other_clients_through(tmp_path):
    (tmp_path / "index.html").write_text("Hello World\n")
    temp = tmp_path / "body_temp"
    temp.mkdir()
    block = f"""
        access_log {tmp_path}/access.log;
        client_max_body_size 0;
        client_body_temp_path {temp};
        server {{
            listen 127.0.0.1:PORT;
            root {tmp_path};
            location /upload {{ proxy_pass http://127.0.0.1:9; }}
        }}"""
    server = Strata(tmp_path, block)
    uploader = socket.socket()
    other = None
    try:
        [worker] = wait_until(lambda: child_pids(server.proc.pid), what="the worker")
        # Root may raise the send buffer past net.core.wmem_max (the tests run as root).
        uploader.setsockopt(socket.SOL_SOCKET, SO_SNDBUFFORCE, 2 * QUEUED)
        assert uploader.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF) >= 2 * QUEUED
        uploader.connect(("127.0.0.1", server.port))
        uploader.sendall(b"POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n"
                         % (1 << 34) + b"x" * (1 << 20))
        other = server.connect(timeout=30)
        other.sendall(b"GET /index.html HTTP/1.1\r\nHost: a\r\n\r\n")
        assert other.recv(65536).startswith(b"HTTP/1.1 200 ")
        time.sleep(0.2)  # the worker is idle in epoll_wait, the upload's body under way

        uploader.setblocking(False)
        # Which of two ready connections the worker serves first can also depend on a
        # moment when the upload's socket happens to be empty: several rounds make a
        # worker that reads the upload to its end show it.
        for _ in range(ROUNDS):
            behind_an_upload(worker, uploader, other)
            wait_until(lambda: unsent(uploader) == 0, what="the queued upload read")
    finally:
        uploader.close()
        if other:
            other.close()
        server.stop()
    assert server.proc.returncode == 0
