"""nginx's proxy_pass is the reference for web/proxy_request: each case of
tests/unit/web/proxy_request_cases.json (the table the strata_web_tests unit test checks
proxy_request_head against) is sent to Debian's nginx, which proxies it to a recording
upstream; the upstream must receive exactly the case's head, then its body.

Settings map to directives of the case's own location: proxy_set_header (values are
literals: the unit test's values are "already expanded"), proxy_http_version,
proxy_pass_request_headers, proxy_method, proxy_set_body and proxy_pass_request_body
(which changes only what the caller sends after the head). The upstream is called
`backend`, so $proxy_host, the default Host, is "backend".
"""
import json
import queue
import socket
import threading
import time

import pytest

from conftest import Nginx, SOURCE_DIR

CASES = json.loads((SOURCE_DIR / "tests/unit/web/proxy_request_cases.json").read_text())
BODY_WAIT = 1.0  # how long the upstream waits for a body nginx announced


def wire(text):
    return text.encode("latin-1")


class RecordingUpstream:
    """Accepts on a port from the OS; each connection's request (head and announced
    body) goes into `received`, then it answers a small 200 and closes."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.received = queue.Queue()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return  # closed
            with conn:
                self.received.put(self._read_request(conn))
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")

    @staticmethod
    def _read_request(conn):
        data = b""
        conn.settimeout(5)
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return data
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        deadline = time.monotonic() + BODY_WAIT
        while len(body) < length and time.monotonic() < deadline:
            conn.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = conn.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            body += chunk
        return head + b"\r\n\r\n" + body

    def close(self):
        self.sock.close()


def quoted(value):
    assert not any(c in value for c in '"\\$'), f"keep table values literal: {value!r}"
    return f'"{value}"'


def location(case):
    s = case.get("settings", {})
    lines = ["proxy_pass http://backend;"]
    lines += [f"proxy_set_header {quoted(n)} {quoted(v)};" for n, v in s.get("proxy_set_header", [])]
    if "proxy_http_version" in s:
        lines.append(f"proxy_http_version {s['proxy_http_version']};")
    if s.get("proxy_pass_request_headers") is False:
        lines.append("proxy_pass_request_headers off;")
    if s.get("proxy_pass_request_body") is False:
        lines.append("proxy_pass_request_body off;")
    if "proxy_method" in s:
        lines.append(f"proxy_method {s['proxy_method']};")
    if "proxy_set_body" in s:
        lines.append(f"proxy_set_body {quoted(s['proxy_set_body'])};")
    path = case["request"].split(" ")[1].split("?")[0]
    assert path == "/" + case["name"], "each case's target is /<its name>: its location"
    return f"location = {path} {{ {' '.join(lines)} }}"


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    upstream = RecordingUpstream()
    block = (f"access_log off;\nupstream backend {{ server 127.0.0.1:{upstream.port}; }}\n"
             "server {\n    listen 127.0.0.1:PORT;\n"
             + "".join(f"    {location(case)}\n" for case in CASES) + "}\n")
    nginx = Nginx(tmp_path_factory.mktemp("proxy-request"), block)
    yield nginx, upstream
    nginx.stop()
    upstream.close()


def test_table_is_not_empty():
    assert len(CASES) >= 20


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_nginx_sends_the_expected_bytes(proxy, case):
    nginx, upstream = proxy
    with socket.create_connection(("127.0.0.1", nginx.port), timeout=5) as client:
        client.sendall(wire(case["request"]))
        try:
            received = upstream.received.get(timeout=5 + BODY_WAIT)
        except queue.Empty:
            client.settimeout(1)
            pytest.fail(f"nothing reached the upstream; nginx answered {client.recv(65536)!r}")
    expected = wire(case["upstream"] + case.get("upstream_body", ""))
    assert received == expected
