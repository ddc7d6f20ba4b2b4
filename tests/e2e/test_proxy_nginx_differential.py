"""Differential test of the proxy: Debian's nginx and strata load the same `upstream` and
`proxy_pass` configuration, each in front of its own recording backend
(proxy_backend.py). Every case is sent as the same raw bytes to both; what reaches each
backend (method, target, version, headers in order, body) and what reaches the client
(status line, headers less Server and Date, body) must be the same.

The table covers nginx's URI rules (no URI part, URI part replacing the location's
prefix, exact and regex and named locations, rewrite … break and last, escaped and
normalised paths, variables), the request head (proxy_set_header with variables,
$proxy_add_x_forwarded_for, proxy_http_version, proxy_pass_request_headers,
proxy_method, chunked client bodies), and the response (hidden and passed fields,
proxy_redirect, proxy_intercept_errors with error_page, chunked and close-delimited
bodies, HEAD, unix sockets, an upstream that is down).
"""
import socket
import time

import pytest

from conftest import Nginx, Strata
from proxy_backend import Backend

HTTP_BLOCK = r"""
    server_tokens off;
    access_log off;
    upstream backend { server BACKEND; }
    upstream down { server 127.0.0.1:DEADPORT; }
    server {
        listen 127.0.0.1:PORT;
        server_name localhost;
        root ROOT;
        location / { proxy_pass http://backend; }
        location /app/ { proxy_pass http://backend/srv/; }
        location /noslash { proxy_pass http://backend/other; }
        location = /exactly { proxy_pass http://backend/there; }
        location ~ ^/regex/ { proxy_pass http://backend; }
        location /rw/ { rewrite ^/rw/(.*)$ /new/$1 break; proxy_pass http://backend/ignored/; }
        location /rwlast/ { rewrite ^/rwlast/(.*)$ /app/$1 last; }
        location /hdr/ {
            proxy_pass http://backend;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header Host $host;
            proxy_set_header X-Scheme $scheme;
            proxy_set_header X-Proxy-Host $proxy_host;
            proxy_set_header Accept-Encoding "";
        }
        location /v11/ {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
        location /nohdr/ { proxy_pass http://backend; proxy_pass_request_headers off; }
        location /method/ { proxy_pass http://backend; proxy_method PUT; }
        location /direct/ { proxy_pass http://127.0.0.1:BACKENDPORT/d/; }
        location /vars/ { proxy_pass http://$arg_to; }
        location /varsuri/ { proxy_pass http://backend/fixed$arg_p; }
        location /hide/ {
            proxy_pass http://backend/headers;
            proxy_hide_header X-Secret;
            proxy_pass_header Server;
        }
        location /headers { proxy_pass http://backend; }
        location /redir/ { proxy_pass http://backend/redirect/; }
        location /redirect/ { proxy_pass http://backend; proxy_redirect off; }
        location /redirect2/ {
            proxy_pass http://backend/redirect/;
            proxy_redirect http://backend/ /moved/;
        }
        location /intercept/ {
            proxy_pass http://backend/status/;
            proxy_intercept_errors on;
            error_page 404 /custom404;
        }
        location = /custom404 { return 200 "custom 404 page\n"; }
        location /status/ { proxy_pass http://backend; }
        location /tryfiles/ { try_files $uri @named; }
        location @named { proxy_pass http://backend; }
        location /unix/ { proxy_pass http://unix:SOCKET:/u/; }
        location /down/ { proxy_pass http://down; }
        location /downpage/ { proxy_pass http://down; error_page 502 /custom404; }
        location /if/ {
            if ($arg_alt) { proxy_pass http://backend; }
            proxy_pass http://backend/plain/;
        }
    }
"""

# (name, raw request): the target says which location applies.
CASES = [
    ("root", "GET / HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("raw_target_kept", "GET /a/../b//c/./d?x=1&y=%20 HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("escaped_target_kept", "GET /a%20b/%41 HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("absolute_form", "GET http://example.test/abs?q HTTP/1.1\r\nHost: other\r\n\r\n"),
    ("uri_part", "GET /app/x/y?z=1 HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("uri_part_normalised", "GET /app/./x//y/../z HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("uri_part_escaped", "GET /app/a%20b%3F HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("uri_part_no_slash", "GET /noslashmore HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("exact", "GET /exactly?k=v HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("regex", "GET /regex/some/path?q HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("rewrite_break", "GET /rw/x?keep=1 HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("rewrite_last", "GET /rwlast/deep/er?a=b HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("headers_with_variables",
     "GET /hdr/x HTTP/1.1\r\nHost: example.test\r\nX-Forwarded-For: 10.0.0.1\r\n"
     "Accept-Encoding: gzip\r\nUser-Agent: test/1\r\nConnection: keep-alive\r\n"
     "Keep-Alive: 300\r\nTE: trailers\r\nUpgrade: h2c\r\n\r\n"),
    ("http11_upstream", "GET /v11/x HTTP/1.1\r\nHost: example.test\r\nConnection: keep-alive\r\n\r\n"),
    ("no_request_headers", "GET /nohdr/x HTTP/1.1\r\nHost: example.test\r\nCookie: a=b\r\n\r\n"),
    ("proxy_method", "GET /method/x HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("implicit_upstream", "GET /direct/x?y HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("variables_group", "GET /vars/x?to=backend HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("variables_uri", "GET /varsuri/x?p=/abc HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("post_body",
     "POST /app/form HTTP/1.1\r\nHost: example.test\r\nContent-Type: application/x-www-form-urlencoded\r\n"
     "Content-Length: 11\r\n\r\na=1&b=2&c=3"),
    ("chunked_body",
     "POST /app/up HTTP/1.1\r\nHost: example.test\r\nTransfer-Encoding: chunked\r\n\r\n"
     "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"),
    ("http10_client", "GET /app/ten HTTP/1.0\r\nHost: example.test\r\n\r\n"),
    ("head", "HEAD /big/5000 HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("hidden_and_passed", "GET /hide/x HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("hidden_by_default", "GET /headers HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("redirect_default",
     "GET /redir/?to=http://backend/redirect/next HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("redirect_default_other",
     "GET /redir/?to=http://elsewhere/x HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("redirect_relative", "GET /redir/?to=/relative HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("redirect_off", "GET /redirect/?to=http://backend/x HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("redirect_explicit",
     "GET /redirect2/?to=http://backend/page HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("intercepted_404", "GET /intercept/404 HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("not_intercepted_500", "GET /intercept/500 HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("status_503_passes", "GET /status/503 HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("chunked_response", "GET /chunked/2500 HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("chunked_response_http10", "GET /chunked/2500 HTTP/1.0\r\nHost: example.test\r\n\r\n"),
    ("close_delimited", "GET /close/3000 HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("big", "GET /big/300000 HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("named_location", "GET /tryfiles/nothing?q=1 HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("unix_socket", "GET /unix/x?y HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("upstream_down", "GET /down/x HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("upstream_down_error_page", "GET /downpage/x HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("if_proxy_pass", "GET /if/x?alt=1 HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("if_not_taken", "GET /if/x HTTP/1.1\r\nHost: example.test\r\n\r\n"),
]


def dead_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def block_for(backend, socket_path, root, dead):
    return (HTTP_BLOCK.replace("BACKENDPORT", str(backend.port))
            .replace("BACKEND", backend.address)
            .replace("SOCKET", socket_path)
            .replace("DEADPORT", str(dead))
            .replace("ROOT", str(root)))


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    base = tmp_path_factory.mktemp("proxy-diff")
    root = base / "html"
    root.mkdir()
    dead = dead_port()
    sides = {}
    for name in ("nginx", "strata"):
        backend = Backend("b")
        unix_backend = Backend("u", unix_path=str(base / f"{name}.sock"))
        block = block_for(backend, str(base / f"{name}.sock"), root, dead)
        (base / name).mkdir()
        server = Nginx(base / name, block) if name == "nginx" else Strata(base / name, block)
        sides[name] = (server, backend, unix_backend)
    yield sides
    for server, backend, unix_backend in sides.values():
        server.stop()
        backend.stop()
        unix_backend.stop()


def fetch(port, raw):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(raw.encode("latin-1"))
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            chunks.append(chunk)
            data = b"".join(chunks)
            if b"Connection: keep-alive" in data[:4000] and complete(data, raw.startswith("HEAD")):
                break
    return b"".join(chunks)


def complete(data, head_only=False):
    """Whether `data` holds one whole response (for a keep-alive answer)."""
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    if head_only or head.startswith((b"HTTP/1.1 204", b"HTTP/1.1 304")):
        return True
    lower = head.lower()
    if b"content-length:" in lower:
        length = int(lower.split(b"content-length:")[1].split(b"\r\n")[0])
        return len(body) >= length
    if b"transfer-encoding: chunked" in lower:
        return body.endswith(b"0\r\n\r\n")
    return False


def dechunk(body):
    out = b""
    while body:
        size_line, _, rest = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += rest[:size]
        body = rest[size + 2:]
    return b"(dechunked) " + out


def response_parts(data):
    """The status line, the fields (less Server and Date) and the body. Chunk sizes
    follow each server's reads, so a chunked body is compared decoded; the product in a
    built-in error page is named PRODUCT (as the Server field, the expected difference),
    and its length is compared without it."""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    fields = [tuple(line.split(": ", 1)) for line in lines[1:]]
    fields = [f for f in fields if f[0].lower() not in ("server", "date")]
    if ("Transfer-Encoding", "chunked") in fields:
        body = dechunk(body)
    for product in (b"nginx", b"strata"):
        page_mark = b"<hr><center>" + product + b"</center>"
        if page_mark in body:
            body = body.replace(page_mark, b"<hr><center>PRODUCT</center>")
            fields = [(n, str(int(v) - len(product)) + " + product" if n == "Content-Length"
                       else v) for n, v in fields]
    return lines[0], fields, body


def last_request(backend, before):
    deadline = time.monotonic() + 5
    while backend.count() == before and time.monotonic() < deadline:
        time.sleep(0.01)
    return backend.requests[-1].as_dict() if backend.count() > before else None


@pytest.mark.parametrize("name,raw", CASES, ids=[c[0] for c in CASES])
def test_same_upstream_request_and_same_response(pair, name, raw):
    seen = {}
    for side, (server, backend, unix_backend) in pair.items():
        target = unix_backend if name == "unix_socket" else backend
        before = target.count()
        reply = fetch(server.port, raw)
        # Each side has its own ports: they are named, not compared.
        received = repr(last_request(target, before)).replace(str(backend.port), "BACKENDPORT")
        reply = reply.replace(b":%d" % server.port, b":PORT")
        reply = reply.replace(b"%d" % backend.port, b"BACKENDPORT")
        seen[side] = (received, response_parts(reply))
    nginx_request, nginx_reply = seen["nginx"]
    strata_request, strata_reply = seen["strata"]
    assert strata_request == nginx_request, "what reached the backend differs"
    assert strata_reply == nginx_reply, "what reached the client differs"
