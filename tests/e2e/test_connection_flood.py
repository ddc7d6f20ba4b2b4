"""A connection flood past worker_connections: one worker allowed 64 connections (its
listening socket counts as one, as in nginx) is sent three times as many.

Asserted: the connections beyond the limit are closed at once (EOF or reset, never left
hanging), the ones within it are served, the worker logs nginx's alert
"64 worker_connections are not enough", nothing crashes, and once the flood closes the
worker serves new connections again and holds no more descriptors than before."""
import os
import socket
import time
import urllib.request

import pytest

from conftest import Strata

LIMIT = 64


def worker_pids(master):
    with open(f"/proc/{master}/task/{master}/children") as f:
        return [int(p) for p in f.read().split()]


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def closed_by_peer(sock, wait):
    """True when the server closed `sock` (EOF or reset) within `wait` seconds."""
    sock.settimeout(wait)
    try:
        return sock.recv(1) == b""
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.status, r.read()


@pytest.fixture
def server(tmp_path):
    (tmp_path / "index.html").write_text("Hello World\n")
    block = f"""
        client_header_timeout 60s;
        server {{
            listen 127.0.0.1:PORT;
            root {tmp_path};
            location / {{ }}
        }}"""
    strata = Strata(tmp_path, block, worker_connections=LIMIT)
    yield strata
    strata.stop()
    assert strata.proc.returncode == 0


def test_flood_beyond_worker_connections(server):
    assert get(server.url + "/index.html")[0] == 200
    time.sleep(0.3)  # that connection is closed on both sides
    [worker] = worker_pids(server.proc.pid)
    fds_before = fd_count(worker)

    flood = []
    try:
        for _ in range(3 * LIMIT):
            flood.append(socket.create_connection(("127.0.0.1", server.port), timeout=5))
        time.sleep(0.5)  # the worker accepts them all (and refuses the extra ones)
        refused = [s for s in flood if closed_by_peer(s, 0.05)]
        kept = [s for s in flood if s not in refused]
        # The listener takes one of the 64; a few more may still be in the accept queue.
        assert len(refused) >= 3 * LIMIT - LIMIT - 4, (len(refused), len(kept))
        assert len(kept) >= LIMIT - 5, (len(refused), len(kept))
        # The ones accepted are served while the flood lasts.
        for s in kept[:5]:
            s.settimeout(5)
            s.sendall(b"GET /index.html HTTP/1.1\r\nHost: a\r\n\r\n")
            reply = s.recv(65536)
            assert reply.startswith(b"HTTP/1.1 200 "), reply[:200]
        log = server.error_log.read_text()
        assert "[alert]" in log and f"{LIMIT} worker_connections are not enough" in log, log
        assert server.proc.poll() is None
        assert worker_pids(server.proc.pid) == [worker], "the worker died under the flood"
    finally:
        for s in flood:
            s.close()

    # Recovered: new connections are served, and the flood left no descriptor behind.
    deadline = time.monotonic() + 10
    while fd_count(worker) > fds_before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert fd_count(worker) <= fds_before
    for _ in range(2 * LIMIT):
        assert get(server.url + "/index.html") == (200, b"Hello World\n")
