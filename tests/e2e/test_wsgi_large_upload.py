"""A request body over 1 GiB, streamed from a generator (by `requests`, chunked; by a raw
socket, with Content-Length), read by the app to EOF with a checksum that must match,
while the worker's resident memory stays bounded: strata spools a body past 1 MiB to a
temporary file instead of holding it (gunicorn never holds it either: its app reads
straight from the socket). Each takes about 5 s on either server, so both run."""
import hashlib
import json
import os
import threading
import time

import pytest
import requests

from wsgi_servers import (SERVER_NAMES, HttpReader, LogWatch, connect, rss_kib, start_server,
                          validator_complaints, wait_until)

APP = r'''
import hashlib
import json


def app(environ, start_response):
    digest, length = hashlib.sha256(), 0
    stream = environ["wsgi.input"]
    while True:
        block = stream.read(1 << 20)
        if not block:
            break
        digest.update(block)
        length += len(block)
    body = json.dumps({"length": length, "sha256": digest.hexdigest()}).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]
'''

BLOCK = 1 << 20
BLOCKS = 1024 + 3  # a little over 1 GiB
# More than this much growth would mean the body (or a good part of it) sits in memory.
RSS_GROWTH_LIMIT_KIB = 96 * 1024
# A sanitized build (the dev preset) keeps freed memory in AddressSanitizer's
# quarantine, 256 MiB by default, which would look like growth; a small one keeps the
# measurement about strata. (Other builds ignore the variable.)
ENV = {"ASAN_OPTIONS": ":".join(filter(None, [os.environ.get("ASAN_OPTIONS"),
                                               "quarantine_size_mb=16"]))}


def blocks():
    base = hashlib.sha256(b"large upload").digest() * (BLOCK // 32)
    for i in range(BLOCKS):
        yield i.to_bytes(4, "big") + base[4:]


class RssWatch(threading.Thread):
    """Samples a process's VmRSS until stopped; keeps the highest."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.samples, self.running = pid, 0, 0, True

    def run(self):
        while self.running:
            self.peak = max(self.peak, rss_kib(self.pid))
            self.samples += 1
            time.sleep(0.05)

    def stop(self):
        self.running = False
        self.join()


def upload_chunked(server, generate):
    """requests streams a generator with Transfer-Encoding: chunked."""
    response = requests.post(f"{server.url}/upload", data=generate(), timeout=300)
    assert response.status_code == 200, response.text
    return response.json()


def upload_with_length(server, generate):
    """A raw socket: Content-Length up front, then the blocks as they are made."""
    with connect(server, timeout=300) as sock:
        sock.sendall(b"POST /upload HTTP/1.1\r\nHost: h\r\nContent-Type: application/octet-stream"
                     b"\r\nContent-Length: %d\r\n\r\n" % (BLOCK * BLOCKS))
        for block in generate():
            sock.sendall(block)
        response = HttpReader(sock).response()
    assert response.status == 200, response
    return json.loads(response.body)


@pytest.mark.parametrize("kind", SERVER_NAMES)
@pytest.mark.parametrize("upload", [upload_chunked, upload_with_length],
                         ids=["chunked", "content-length"])
def test_gigabyte_upload_with_bounded_memory(tmp_path, kind, upload):
    server = start_server(kind, tmp_path, APP, env=ENV)
    try:
        worker = wait_until(server.workers, what="the worker")[0]
        watch = LogWatch(server)
        requests.post(f"{server.url}/", data=b"warm-up", timeout=10)
        baseline = rss_kib(worker)
        expected = hashlib.sha256()
        sent = 0

        def generate():
            nonlocal sent
            for block in blocks():
                expected.update(block)
                sent += len(block)
                yield block

        rss = RssWatch(worker)
        rss.start()
        try:
            answer = upload(server, generate)
        finally:
            rss.stop()
        assert answer == {"length": sent, "sha256": expected.hexdigest()}
        assert sent > 1 << 30
        assert rss.samples > 10
        growth = rss.peak - baseline
        assert growth < RSS_GROWTH_LIMIT_KIB, \
            f"worker RSS grew from {baseline} KiB to {rss.peak} KiB"
        assert validator_complaints(watch.new()) == []
        assert worker in server.workers(), "the worker died during the upload"
    finally:
        server.stop()
