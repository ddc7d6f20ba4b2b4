"""How files leave the server: `sendfile off` reads and writes (no sendfile(2)), `sendfile
on` with `tcp_nopush on` corks the socket around the head and the file, and gzip
compresses a large file as the client takes it, with bounded memory. The system calls
are watched with strace on the worker; bodies are checked byte for byte."""
import gzip
import os
import re
import signal
import socket
import subprocess
import time

import pytest

from conftest import Strata, require_tool
from test_nginx_differential import (differences, exchange_raw, log_bytes, new_log_lines,
                                     nginx_and_strata, request)

SIZES = [0, 1, 16 * 1024, 16 * 1024 + 1, 100 * 1000, 5 * 1024 * 1024 + 7]

HTTP_BLOCK = r"""
    default_type application/octet-stream;
    types { text/plain txt; }
    access_log off;
    server {
        listen 127.0.0.1:PORT;
        root ROOT;
        location /copy/ { alias ROOT/; sendfile off; tcp_nopush on; }
        location /send/ { alias ROOT/; sendfile on; }
        location /cork/ { alias ROOT/; sendfile on; tcp_nopush on; }
        location /gz/ { alias ROOT/; gzip on; gzip_types text/plain; }
    }
"""


def make_files(root):
    root.mkdir(parents=True, exist_ok=True)
    files = {}
    for size in SIZES:
        data = os.urandom(size)
        (root / f"f{size}.bin").write_bytes(data)
        files[size] = data
    return files


def compressible_text(size):
    """Text gzip shrinks but cannot collapse: random words."""
    words = [os.urandom(4).hex() for _ in range(4096)]
    out = []
    total = 0
    seed = int.from_bytes(os.urandom(4), "little")
    while total < size:
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        word = words[seed % len(words)]
        out.append(word)
        total += len(word) + 1
    return (" ".join(out)).encode()[:size]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    base = tmp_path_factory.mktemp("sending")
    files = make_files(base / "html")
    big_text = compressible_text(48 * 1024 * 1024)
    (base / "html/big.txt").write_bytes(big_text)
    return base, files, big_text


@pytest.fixture(scope="module")
def server(site):
    base, _, _ = site
    (base / "strata").mkdir()
    # Freed memory goes back at once under AddressSanitizer too, so the worker's
    # resident size shows what it really holds.
    saved = os.environ.get("ASAN_OPTIONS")
    os.environ["ASAN_OPTIONS"] = "quarantine_size_mb=0:thread_local_quarantine_size_kb=0"
    try:
        strata = Strata(base / "strata", HTTP_BLOCK.replace("ROOT", str(base / "html")))
    finally:
        if saved is None:
            del os.environ["ASAN_OPTIONS"]
        else:
            os.environ["ASAN_OPTIONS"] = saved
    yield strata
    strata.stop()


def worker_pid(strata):
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        children = subprocess.run(["pgrep", "-P", str(strata.proc.pid)],
                                  capture_output=True, text=True).stdout.split()
        if children:
            return int(children[0])
        time.sleep(0.05)
    pytest.fail("no worker process")


class Trace:
    """strace attached to the worker for the duration of a `with` block."""

    def __init__(self, pid, path):
        self.path = path
        strace = require_tool("strace")
        self.proc = subprocess.Popen(
            [strace, "-f", "-p", str(pid), "-o", str(path),
             "-e", "trace=sendfile,pread64,read,sendmsg,sendto,writev,setsockopt"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        line = self.proc.stderr.readline()
        assert "attached" in line, line

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=10)
        self.proc.stderr.close()

    def calls(self):
        return [re.sub(r"^\d+\s+", "", line) for line in self.path.read_text().splitlines()]


def get(port, path, *headers):
    """One request on a fresh connection: (status, headers, raw body)."""
    raw = f"GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
    raw += "".join(h + "\r\n" for h in headers) + "\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(raw.encode())
        data = b""
        while chunk := sock.recv(1 << 20):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    fields = dict((n.lower(), v.strip()) for n, _, v in (l.partition(":") for l in lines[1:]))
    return int(lines[0].split()[1]), fields, body


def dechunk(body):
    out = b""
    while True:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            return out
        out += body[:size]
        body = body[size + 2:]


RANGES = [(0, 0), (5, 16 * 1024 + 3), (100, 99_999), (1 << 20, (3 << 20) + 5)]


def test_sendfile_off_reads_and_writes(server, site, tmp_path):
    _, files, _ = site
    with Trace(worker_pid(server), tmp_path / "trace") as trace:
        for size, data in files.items():
            status, _, body = get(server.port, f"/copy/f{size}.bin")
            assert (status, body) == (200, data), size
        big = files[SIZES[-1]]
        for first, last in RANGES:
            status, fields, body = get(server.port, f"/copy/f{len(big)}.bin",
                                       f"Range: bytes={first}-{last}")
            assert status == 206
            assert fields["content-range"] == f"bytes {first}-{last}/{len(big)}"
            assert body == big[first:last + 1]
    calls = trace.calls()
    assert not [c for c in calls if c.startswith("sendfile(")]
    reads = [c for c in calls if c.startswith("pread64(")]
    # The 5 MiB file is read a slice at a time, never whole.
    assert len(reads) > (5 << 20) // (64 << 10)
    assert all(int(re.search(r", (\d+), \d+\)\s+= ", c).group(1)) <= 32 * 1024 for c in reads)
    # tcp_nopush only means something with sendfile, as in nginx.
    assert not [c for c in calls if "TCP_CORK" in c]


def test_sendfile_on_uses_sendfile(server, site, tmp_path):
    _, files, _ = site
    big = files[SIZES[-1]]
    with Trace(worker_pid(server), tmp_path / "trace") as trace:
        status, _, body = get(server.port, f"/send/f{len(big)}.bin")
        assert (status, body) == (200, big)
        status, _, body = get(server.port, f"/send/f{len(big)}.bin", "Range: bytes=100-99999")
        assert (status, body) == (206, big[100:100000])
    calls = trace.calls()
    assert [c for c in calls if c.startswith("sendfile(")]
    assert not [c for c in calls if "TCP_CORK" in c]  # tcp_nopush is off here


def test_tcp_nopush_corks_around_head_and_file(server, site, tmp_path):
    _, files, _ = site
    big = files[SIZES[-1]]
    with Trace(worker_pid(server), tmp_path / "trace") as trace:
        status, _, body = get(server.port, f"/cork/f{len(big)}.bin")
        assert (status, body) == (200, big)
    calls = trace.calls()
    cork_on = [i for i, c in enumerate(calls) if "TCP_CORK, [1]" in c]
    cork_off = [i for i, c in enumerate(calls) if "TCP_CORK, [0]" in c]
    # The head alone goes out with send() (strace: sendto), with the body with sendmsg.
    head = [i for i, c in enumerate(calls)
            if c.startswith(("sendmsg(", "sendto(")) and "HTTP/1.1 200" in c]
    files_sent = [i for i, c in enumerate(calls) if c.startswith("sendfile(")]
    assert len(cork_on) == 1 and len(cork_off) == 1, calls
    assert cork_on[0] < head[0] < files_sent[0]
    assert files_sent[-1] < cork_off[0]


def vm_kib(pid, field):
    status = open(f"/proc/{pid}/status").read()
    return int(re.search(rf"^{field}:\s+(\d+) kB", status, re.M).group(1))


def test_gzip_streams_a_large_file_with_bounded_memory(server, site):
    _, _, big_text = site
    pid = worker_pid(server)
    get(server.port, "/gz/f1.bin")  # the worker has served a request: its baseline
    before = vm_kib(pid, "VmRSS")
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(b"GET /gz/big.txt HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\n"
                     b"Connection: close\r\n\r\n")
        first = sock.recv(4096)
        assert first.startswith(b"HTTP/1.1 200 OK\r\n")
        time.sleep(1.0)  # a client that stalls: the server must not read ahead for it
        stalled = vm_kib(pid, "VmRSS")
        data = first
        while chunk := sock.recv(1 << 20):
            data += chunk
    peak = vm_kib(pid, "VmHWM")
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"\r\nTransfer-Encoding: chunked\r\n" in head + b"\r\n"
    assert b"\r\nContent-Encoding: gzip" in head
    assert b"Content-Length" not in head
    packed = dechunk(body)
    assert len(packed) < len(big_text)
    assert gzip.decompress(packed) == big_text
    # The 48 MiB file was never held: not while the client stalled, nor at the peak.
    assert stalled - before < 8 * 1024, (before, stalled)
    assert peak - before < 24 * 1024, (before, peak)


def test_gzip_stream_to_a_client_that_leaves(server, site):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"GET /gz/big.txt HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 200 OK\r\n")
    # The worker goes on serving.
    status, _, body = get(server.port, "/gz/f1.bin")
    assert status == 200 and len(body) == 1
    assert server.proc.poll() is None


@pytest.fixture(scope="module")
def gzip_pair(tmp_path_factory):
    base = tmp_path_factory.mktemp("gzip-pair")
    html = base / "html"
    html.mkdir()
    (html / "medium.txt").write_bytes(compressible_text(3 * 1024 * 1024 + 11))
    (html / "edge.txt").write_bytes(compressible_text(64 * 1024 + 1))
    block = """
        default_type application/octet-stream;
        types { text/plain txt; }
        server {
            listen 127.0.0.1:PORT;
            root ROOT;
            gzip on; gzip_types text/plain; gzip_vary on;
        }
    """.replace("ROOT", str(html))
    with nginx_and_strata(base, block) as pair:
        yield pair


GZ = "Accept-Encoding: gzip"


@pytest.mark.parametrize("raw", [
    request("/medium.txt", GZ),
    request("/medium.txt", GZ, method="HEAD"),
    request("/medium.txt", GZ, "Range: bytes=0-9"),
    request("/medium.txt", GZ, version="HTTP/1.0"),
    request("/edge.txt", GZ),
    request("/medium.txt"),
], ids=["get", "head", "range ignored", "http/1.0", "just over one window", "not asked"])
def test_streamed_gzip_answers_like_nginx(gzip_pair, raw):
    assert differences(gzip_pair, raw) == []


def test_streamed_gzip_then_keepalive(gzip_pair):
    """A second request on the connection after a streamed, chunked gzip body."""
    raw = request("/medium.txt", GZ) + request("/edge.txt", GZ)
    assert differences(gzip_pair, raw) == []


def test_streamed_gzip_is_logged_when_it_ends(gzip_pair):
    """The line is written when the streamed body ends, with the compressed bytes it
    carried. nginx also counts the chunk framing in $body_bytes_sent, which depends on
    how it cut the chunks; strata counts the payload, so the numbers are compared with
    what each client received and the rest of the line with nginx's."""
    offsets = [len(log_bytes(server)) for server in gzip_pair]
    received = []
    for server in gzip_pair:
        responses, _ = exchange_raw(server.port, request("/medium.txt", GZ))
        received.append(len(responses[0][2]))
    nginx_lines, strata_lines = (new_log_lines(server, offset, 1)
                                 for server, offset in zip(gzip_pair, offsets))
    assert len(nginx_lines) == 1 and len(strata_lines) == 1
    pattern = rb'^(.*" 200) (\d+) (".*)$'
    nginx_match, strata_match = (re.match(pattern, lines[0]) for lines in (nginx_lines, strata_lines))
    assert strata_match.group(1, 3) == nginx_match.group(1, 3)
    assert int(strata_match.group(2)) == received[1]
    assert received[0] < int(nginx_match.group(2)) < received[0] + 1024  # payload + framing
