"""Request smuggling through the proxy: the attack table of test_smuggling.py sent raw
to strata in front of a backend (proxy_backend.Backend) that keeps every byte it
receives.

For each attack: strata answers with the table's status (the same as when it serves the
app itself), and what reaches the backend is framed without ambiguity — parsed strictly
from the raw bytes (one Content-Length at most, no Transfer-Encoding, nothing left
over), the backend got exactly the requests strata answered with 200, none of them
`/smuggled`. The client's follow-up request asks for `Connection: close`, so each case
ends when strata closes rather than after a quiet period."""
import socket
import time

import pytest

from conftest import Strata
from proxy_backend import Backend
from test_smuggling import ATTACKS, statuses

CANARY = b"GET /canary HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"


@pytest.fixture(scope="module")
def backend():
    b = Backend("recorder")
    yield b
    b.stop()


@pytest.fixture(scope="module")
def proxy(tmp_path_factory, backend):
    base = tmp_path_factory.mktemp("proxy-smuggling")
    block = f"""
        server {{
            listen 127.0.0.1:PORT;
            client_max_body_size 1m;
            location / {{ proxy_pass http://{backend.address}; }}
        }}"""
    strata = Strata(base, block)
    yield strata
    strata.stop()
    assert strata.proc.returncode == 0


def until_closed(port, data, timeout=5):
    """Every byte strata sends until it closes the connection (or `timeout` passes)."""
    deadline = time.monotonic() + timeout
    out = b""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not chunk:
                break
            out += chunk
    return out


def strict_requests(raw):
    """The request lines in one connection's raw bytes, read as a strict HTTP/1.1
    recipient would: a head, then exactly Content-Length bytes. Fails on anything a
    second parser could frame differently."""
    raw = bytes(raw)
    lines = []
    while raw:
        head, found, raw = raw.partition(b"\r\n\r\n")
        assert found, f"an unterminated head reached the backend: {head!r}"
        fields = head.split(b"\r\n")
        assert b"\n" not in head.replace(b"\r\n", b""), head
        assert b"\r" not in head.replace(b"\r\n", b""), head
        assert b"\0" not in head, head
        lines.append(fields[0])
        lengths = [f.split(b":", 1)[1].strip() for f in fields[1:]
                   if f.split(b":", 1)[0].lower() == b"content-length"]
        codings = [f for f in fields[1:] if f.split(b":", 1)[0].strip().lower()
                   == b"transfer-encoding"]
        assert not codings, f"the proxy sent Transfer-Encoding upstream: {head!r}"
        assert len(lengths) <= 1, f"several Content-Length fields upstream: {head!r}"
        length = int(lengths[0]) if lengths else 0
        assert lengths == [] or lengths[0].isdigit(), head
        assert len(raw) >= length, f"the body upstream is shorter than announced: {head!r}"
        raw = raw[length:]
    return lines


def backend_lines(backend, connections_before):
    with backend.lock:
        raws = [bytes(r) for n, r in sorted(backend.raw.items()) if n > connections_before]
    return [line for raw in raws for line in strict_requests(raw)]


@pytest.mark.parametrize("name,data,status,canary", ATTACKS, ids=[a[0] for a in ATTACKS])
def test_attack_through_the_proxy(proxy, backend, name, data, status, canary):
    connections_before = backend.connections
    answer = until_closed(proxy.port, data + CANARY)
    time.sleep(0.05)  # the backend records before it answers; let a late thread finish
    got = statuses(answer)
    assert got[:1] == [status], answer[:300]
    assert len(got) == (2 if canary else 1), answer[:600]
    lines = backend_lines(backend, connections_before)
    assert not any(b"/smuggled" in line for line in lines), lines
    # The backend saw exactly the requests strata answered with the backend's 200s.
    assert len(lines) == got.count(200), (lines, got)
    if canary:
        assert lines[-1].startswith(b"GET /canary "), lines
