"""HTTP/2: `listen … ssl http2` (ALPN h2, HTTP/1.1 for clients without it) and cleartext
prior knowledge on `listen … http2`; static files, apps and the proxy over h2; GOAWAY on
graceful stop; and the attacks nginx counts and cuts off (rapid reset, CONTINUATION and
SETTINGS floods, oversized header lists) leaving other clients served. Real clients:
curl, nghttp, h2load, httpx, and python3-h2 for frames by hand."""
import hashlib
import json
import os
import signal
import socket
import ssl
import subprocess
import threading
import time

import h2.errors
import h2.settings
import hpack
import httpx
import pytest

from conftest import Nginx, Strata, require_tool
from h2_client import H2Client
from proxy_backend import Backend

APP = '''
import json, time

def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/app/slow":
        time.sleep(1.5)
    if path == "/app/stream":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return (b"line %d\\n" % i for i in range(2000))
    body = environ["wsgi.input"].read()
    reply = json.dumps({
        "method": environ["REQUEST_METHOD"], "path": path,
        "protocol": environ["SERVER_PROTOCOL"], "scheme": environ["wsgi.url_scheme"],
        "host": environ.get("HTTP_HOST"), "cookie": environ.get("HTTP_COOKIE"),
        "length": len(body), "sha": __import__("hashlib").sha256(body).hexdigest(),
    }).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(reply))), ("X-App", "yes")])
    return [reply]
'''


@pytest.fixture
def server(tmp_path, site, authority):
    chain, key = authority.leaf("localhost")
    (tmp_path / "h2_app.py").write_text(APP)
    (site / "page.html").write_text("<html><body>" + "".join(
        f'<img src="/asset/{i}.svg">' for i in range(40)) + "</body></html>")
    (site / "asset").mkdir()
    for i in range(40):
        (site / "asset" / f"{i}.svg").write_text(
            f'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>{i}</text></svg>')
    block = f"""
    log_format h2 "$server_protocol $scheme $status $request";
    access_log {tmp_path}/access.log h2;
    wsgi_pythonpath {tmp_path};
    client_max_body_size 20m;
    server {{
        listen 127.0.0.1:PORT ssl http2;
        server_name localhost;
        ssl_certificate {chain};
        ssl_certificate_key {key};
        root {site};
        location /app/ {{ wsgi_app h2_app:app; }}
        location = /returned {{ return 200 "returned\\n"; }}
    }}
    """
    s = Strata(tmp_path, block)
    s.https = f"https://localhost:{s.port}"
    s.resolve = f"localhost:{s.port}:127.0.0.1"
    yield s
    s.stop()


def tls_context(authority):
    return ssl.create_default_context(cafile=str(authority.root))


def curl(*args):
    out = subprocess.run([require_tool("curl"), "-sS", *args], capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_alpn_chooses_h2_and_http11_remains(server, site, authority):
    ca = ["--cacert", str(authority.root), "--resolve", server.resolve]
    assert curl(*ca, "--http2", "-w", "%{http_version}", "-o", "/dev/null",
                f"{server.https}/") == b"2"
    assert curl(*ca, "--http1.1", "-w", "%{http_version}", "-o", "/dev/null",
                f"{server.https}/") == b"1.1"
    big = curl(*ca, "--http2", f"{server.https}/big.bin")
    assert hashlib.sha256(big).digest() == hashlib.sha256((site / "big.bin").read_bytes()).digest()
    assert curl(*ca, "--http2", "-r", "6-10", f"{server.https}/index.html") == b"World"
    alpn = subprocess.run([require_tool("openssl"), "s_client", "-connect",
                           f"127.0.0.1:{server.port}", "-alpn", "h2,http/1.1"],
                          input=b"", capture_output=True, timeout=30)
    assert b"ALPN protocol: h2" in alpn.stdout


def test_prior_knowledge_and_http1_share_a_cleartext_port(tmp_path, site):
    s = Strata(tmp_path, f"server {{ listen 127.0.0.1:PORT http2; root {site}; }}")
    try:
        assert curl("--http2-prior-knowledge", "-w", " %{http_version}",
                    f"http://127.0.0.1:{s.port}/") == b"Hello World\n 2"
        assert curl("-w", " %{http_version}", f"http://127.0.0.1:{s.port}/") == \
            b"Hello World\n 1.1"
        client = H2Client(s.port)
        r = client.get("/path/to/resource")
        assert (r["status"], r["body"]) == (200, b"You found the resource.\n")
        assert client.remote_settings[h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS] == 128
        client.close()
    finally:
        s.stop()


def test_no_h2_without_http2_on_the_listener(tmp_path, site, authority):
    chain, key = authority.leaf("localhost")
    s = Strata(tmp_path, f"""server {{ listen 127.0.0.1:PORT ssl; ssl_certificate {chain};
        ssl_certificate_key {key}; root {site}; }}""")
    try:
        assert curl("--cacert", str(authority.root), "--resolve", f"localhost:{s.port}:127.0.0.1",
                    "--http2", "-w", "%{http_version}", "-o", "/dev/null",
                    f"https://localhost:{s.port}/") == b"1.1"
    finally:
        s.stop()


def h2load(*args):
    out = subprocess.run([require_tool("h2load"), *args], capture_output=True, text=True,
                         timeout=120)
    return out.stdout


def test_many_streams_with_h2load(server):
    out = h2load("-n", "2000", "-c", "4", "-m", "50",
                 f"https://127.0.0.1:{server.port}/index.html",
                 f"https://127.0.0.1:{server.port}/path/to/resource")
    assert "Application protocol: h2" in out, out
    assert "2000 succeeded, 0 failed, 0 errored" in out, out
    assert "status codes: 2000 2xx" in out, out


@pytest.mark.parametrize("scheme", ["https", "http"])
def test_large_files_on_concurrent_streams(tmp_path, site, authority, scheme):
    """Clients with large windows (h2load's) never send WINDOW_UPDATE: the server must go
    on framing as the socket drains, for every stream, over TLS and cleartext alike."""
    chain, key = authority.leaf("localhost")
    tls = f"ssl; ssl_certificate {chain}; ssl_certificate_key {key}" if scheme == "https" else ""
    s = Strata(tmp_path, f"server {{ listen 127.0.0.1:PORT http2 {tls}; root {site}; }}")
    try:
        out = h2load("-n", "40", "-c", "2", "-m", "10", f"{scheme}://127.0.0.1:{s.port}/big.bin")
        assert "40 succeeded, 0 failed, 0 errored, 0 timeout" in out, out
        assert "status codes: 40 2xx" in out, out
    finally:
        s.stop()


def test_apps_over_h2_see_http2_and_their_bodies(server, authority):
    payload = os.urandom(3 * 1024 * 1024)  # far beyond the initial windows
    with httpx.Client(http2=True, verify=str(authority.root)) as client:
        r = client.post(f"{server.https}/app/echo?x=1", content=payload,
                        headers={"Cookie": "a=1"}, cookies=None)
        assert r.http_version == "HTTP/2"
        assert r.headers["x-app"] == "yes"
        seen = r.json()
        assert seen == {"method": "POST", "path": "/app/echo", "protocol": "HTTP/2.0",
                        "scheme": "https", "host": f"localhost:{server.port}", "cookie": "a=1",
                        "length": len(payload), "sha": hashlib.sha256(payload).hexdigest()}
        streamed = client.get(f"{server.https}/app/stream")
        assert streamed.content == b"".join(b"line %d\n" % i for i in range(2000))


def test_split_cookies_are_joined_for_apps(server, authority):
    client = H2Client(server.port, tls_context(authority))
    r = client.get("/app/echo", headers=[("cookie", "a=1"), ("cookie", "b=2")])
    assert json.loads(r["body"])["cookie"] == "a=1; b=2"
    client.close()


def test_body_over_the_limit_is_refused_with_413(tmp_path, site):
    s = Strata(tmp_path, f"""client_max_body_size 1k;
        server {{ listen 127.0.0.1:PORT http2; root {site}; }}""")
    try:
        client = H2Client(s.port)
        r = client.wait(client.request("/", method="POST", body=b"x" * 100_000))
        assert r["status"] == 413
        assert client.get("/")["status"] == 200  # the connection serves on
        client.close()
    finally:
        s.stop()


def test_proxy_over_h2(tmp_path, site):
    backend = Backend("up")
    s = Strata(tmp_path, f"""server {{ listen 127.0.0.1:PORT http2; root {site};
        location /up/ {{ proxy_pass http://{backend.address}/;
                        proxy_set_header X-Proto $server_protocol; }} }}""")
    try:
        client = H2Client(s.port)
        body = os.urandom(200_000)
        r = client.wait(client.request("/up/echo", method="POST", body=body))
        assert r["status"] == 200 and ("x-backend", "up") in r["headers"]
        seen = json.loads(r["body"])
        assert seen["method"] == "POST" and seen["target"] == "/echo"
        assert seen["version"] == "HTTP/1.0"  # proxy_http_version's default
        assert backend.requests[-1].body == body
        assert backend.requests[-1].header("X-Proto") == "HTTP/2.0"
        big = client.get("/up/chunked/300000")  # chunked upstream body, streamed on
        assert big["status"] == 200 and len(big["body"]) == 300000
        client.close()
    finally:
        s.stop()


STALL_BLOCK = """client_body_timeout 1s;
    server { listen 127.0.0.1:PORT http2; root SITE;
             location /upload { proxy_pass http://127.0.0.1:9; } }"""


@pytest.mark.parametrize("kind", ["nginx", "strata"])
def test_stalled_upload_stream_is_reset_at_client_body_timeout(tmp_path, site, kind):
    # nginx times each stream: the one whose body stalls is reset with PROTOCOL_ERROR
    # after client_body_timeout, while the connection and its other streams go on.
    start = Nginx if kind == "nginx" else Strata
    s = start(tmp_path, STALL_BLOCK.replace("SITE", str(site)))
    try:
        client = H2Client(s.port)
        stalled = client.request("/upload", method="POST", body=b"part of it", end=False)
        started = time.monotonic()
        assert client.get("/index.html")["status"] == 200
        # Another upload keeps its stream alive by sending a little now and then.
        moving = client.request("/upload", method="POST", body=b"a", end=False)
        while client.responses[stalled]["reset"] is None and time.monotonic() - started < 8:
            client.sock.settimeout(0.3)
            try:
                client.receive_some()
            except socket.timeout:
                client.send_body(moving, b"b", end=False)
        waited = time.monotonic() - started
        assert client.responses[stalled]["reset"] == 1 and 0.8 < waited < 3, waited
        assert client.responses[moving]["reset"] is None
        client.sock.settimeout(10)
        assert not client.closed and client.get("/index.html")["status"] == 200
        client.close()
    finally:
        s.stop()


def test_access_log_names_http2(server, authority):
    client = H2Client(server.port, tls_context(authority))
    assert client.get("/index.html")["status"] == 200
    client.close()
    deadline = time.monotonic() + 5
    log = server.dir / "access.log"
    while time.monotonic() < deadline and "GET /index.html" not in log.read_text():
        time.sleep(0.05)
    assert "HTTP/2.0 https 200 GET /index.html HTTP/2.0" in log.read_text()


def read_frames(sock, until, limit=15):
    """Frames as (type, flags, stream, payload) until `until(frames)` or the close."""
    sock.settimeout(limit)
    data, frames = b"", []
    while not until(frames):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
        while len(data) >= 9 and len(data) >= 9 + int.from_bytes(data[:3], "big"):
            length = int.from_bytes(data[:3], "big")
            frames.append((data[3], data[4], int.from_bytes(data[5:9], "big") & 0x7fffffff,
                           data[9:9 + length]))
            data = data[9 + length:]
    return frames


def test_graceful_stop_sends_goaway_and_finishes_streams(server, authority):
    """python3-h2 stops reading at GOAWAY, so the frames are read by hand here."""
    sock = raw_h2(server.port, authority)
    block = hpack.Encoder().encode([(":method", "GET"), (":path", "/app/slow"),
                                    (":scheme", "https"), (":authority", "localhost")])
    sock.sendall(frame(1, 0x5, 1, block))  # HEADERS, END_STREAM | END_HEADERS
    time.sleep(0.3)
    os.kill(server.proc.pid, signal.SIGQUIT)

    def stream_ended(frames):
        return any(f[2] == 1 and f[1] & 0x1 for f in frames if f[0] in (0, 1))

    frames = read_frames(sock, stream_ended)
    goaway = [f for f in frames if f[0] == 7]
    assert goaway, frames
    last_stream, error = int.from_bytes(goaway[0][3][:4], "big"), goaway[0][3][4:8]
    assert (last_stream, error) == (1, b"\0\0\0\0")  # NO_ERROR, stream 1 is served
    headers = [f for f in frames if f[0] == 1 and f[2] == 1]
    assert dict(hpack.Decoder().decode(headers[0][3]))[":status"] == "200"
    body = b"".join(f[3] for f in frames if f[0] == 0 and f[2] == 1)
    assert json.loads(body)["path"] == "/app/slow"
    assert frames.index(goaway[0]) < frames.index(headers[0])  # GOAWAY came first
    sock.close()
    server.proc.wait(timeout=15)
    assert server.proc.returncode == 0


def still_served(server, authority):
    with httpx.Client(http2=True, verify=str(authority.root)) as client:
        r = client.get(f"{server.https}/index.html")
        return r.http_version == "HTTP/2" and r.status_code == 200


def test_rapid_reset_is_cut_off(server, authority):
    client = H2Client(server.port, tls_context(authority))
    for _ in range(3000):
        stream = client.conn.get_next_available_stream_id()
        client.conn.send_headers(stream, [(":method", "GET"), (":path", "/big.bin"),
                                          (":scheme", "https"), (":authority", "localhost")])
        client.conn.reset_stream(stream)
        try:
            client.flush()
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            break
    while client.goaway is None and client.receive_some():
        pass
    # Cut off with GOAWAY after keepalive_requests (1000) streams, as nginx does, or
    # sooner by the reset rate limit: never all 3000.
    assert client.goaway is not None, "the resets went on unchecked"
    assert client.goaway.last_stream_id <= 1999
    assert still_served(server, authority)


def raw_h2(port, authority):
    context = tls_context(authority)
    context.set_alpn_protocols(["h2"])
    sock = context.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10),
                               server_hostname="localhost")
    sock.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0, b""))
    return sock


def frame(kind, flags, stream, payload):
    return len(payload).to_bytes(3, "big") + bytes([kind, flags]) + \
        stream.to_bytes(4, "big") + payload


def read_until_closed(sock, limit=10):
    """Everything the server sends until it closes (True) or goes quiet (False)."""
    sock.settimeout(limit)
    try:
        while sock.recv(65536):
            pass
        return True
    except socket.timeout:
        return False
    except (ConnectionResetError, ssl.SSLError):
        return True


def test_continuation_flood_is_cut_off(server, authority):
    sock = raw_h2(server.port, authority)
    # HEADERS without END_HEADERS, then endless CONTINUATION frames.
    sock.sendall(frame(1, 0, 1, b"\x82\x84\x86"))  # :method GET, :path /, :scheme https
    try:
        for _ in range(2000):
            sock.sendall(frame(9, 0, 1, b"\x40\x01x\x01y"))
    except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
        pass
    assert read_until_closed(sock)
    assert still_served(server, authority)


def test_settings_flood_is_cut_off(server, authority):
    sock = raw_h2(server.port, authority)
    sock.settimeout(10)
    try:
        for _ in range(20000):  # SETTINGS whose ACKs are never read
            sock.sendall(frame(4, 0, 0, b"\x00\x03\x00\x00\x00\x64"))
    except (BrokenPipeError, ConnectionResetError, ssl.SSLError, socket.timeout):
        pass
    assert read_until_closed(sock)
    assert still_served(server, authority)


def test_header_list_beyond_the_limit_is_refused(server, authority):
    client = H2Client(server.port, tls_context(authority))
    big = [(f"x-filler-{i}", "v" * 4000) for i in range(20)]  # 80 KB, decoded
    r = client.get("/index.html", headers=big)
    assert r["status"] == 431
    assert client.get("/index.html")["status"] == 200  # the connection serves on
    assert still_served(server, authority)


def test_hpack_bomb_is_refused_and_others_served(server, authority):
    """One 4000-byte field enters the HPACK dynamic table; then a header block of one-byte
    references to it decodes to 2 MB, far past SETTINGS_MAX_HEADER_LIST_SIZE (32 KiB)."""
    other = H2Client(server.port, tls_context(authority))
    in_flight = other.request("/big.bin")  # held by flow control while the bomb goes off
    sock = raw_h2(server.port, authority)
    encoder = hpack.Encoder()
    fields = [(":method", "GET"), (":path", "/"), (":scheme", "https"),
              (":authority", "localhost")]
    bomb = ("x-bomb", "b" * 4000)  # with its name and 32 bytes of overhead, fits in 4096
    sock.sendall(frame(1, 0x5, 1, encoder.encode(fields + [bomb])))
    block = encoder.encode(fields + [bomb] * 500)
    assert len(block) < 600  # references, not copies
    sock.sendall(frame(1, 0x5, 3, block))
    sock.sendall(frame(1, 0x5, 5, encoder.encode(fields)))

    def all_ended_or_goaway(frames):
        ended = {f[2] for f in frames if f[0] in (0, 1) and f[1] & 0x1}
        return ended >= {1, 3, 5} or any(f[0] == 7 for f in frames)

    frames = read_frames(sock, all_ended_or_goaway)
    decoder = hpack.Decoder()
    status_by_stream = {f[2]: dict(decoder.decode(f[3]))[":status"] for f in frames if f[0] == 1}
    # Refused on its stream alone, and the connection serves on. nginx 1.22 ends the
    # whole connection instead: GOAWAY ENHANCE_YOUR_CALM with last stream 3.
    assert status_by_stream == {1: "200", 3: "431", 5: "200"}, frames
    assert not any(f[0] == 7 for f in frames)
    # The client had ended stream 3 (END_STREAM on its HEADERS): once answered it is
    # closed, and a closed stream takes no RST_STREAM (RFC 9113 §5.1).
    assert not any(f[0] == 3 for f in frames), frames
    sock.close()
    served = other.wait(in_flight)
    assert served["status"] == 200 and len(served["body"]) == 5 * 1024 * 1024 + 7
    assert other.remote_settings[h2.settings.SettingCodes.MAX_HEADER_LIST_SIZE] == 32 * 1024
    other.close()
    assert still_served(server, authority)


def post_with_trailers(client, path, body):
    """A POST whose body is followed by a trailing HEADERS frame that ends the stream; the
    trailers carry a cookie too, which the app would see were they merged into the head."""
    stream = client.request(path, method="POST", body=body, end=False,
                            headers=[("cookie", "a=1")])
    client.conn.send_headers(stream, [("x-checksum", "none"), ("cookie", "late=1")],
                             end_stream=True)
    client.flush()
    return stream


def test_request_trailers_are_read_and_dropped(server, authority):
    """RFC 9113 §8.1 allows trailers after a request body. nginx 1.22 does not: a second
    HEADERS on the stream ends its connection with GOAWAY PROTOCOL_ERROR ("client sent
    HEADERS frame with incorrect identifier"), before a proxied request goes upstream."""
    client = H2Client(server.port, tls_context(authority))
    body = os.urandom(200_000)  # beyond the stream's initial window
    app = client.wait(post_with_trailers(client, "/app/echo", body))
    assert app["status"] == 200 and app["reset"] is None
    seen = json.loads(app["body"])
    assert (seen["length"], seen["sha"], seen["cookie"]) == \
        (len(body), hashlib.sha256(body).hexdigest(), "a=1")
    returned = client.wait(post_with_trailers(client, "/returned", body))
    assert (returned["status"], returned["body"], returned["reset"]) == (200, b"returned\n", None)
    assert client.get("/index.html")["status"] == 200  # the connection serves on
    client.close()


def test_a_trailer_block_past_the_limit_resets_its_stream_alone(server, authority):
    """Trailers are dropped, but not read without end: references to a 4000-byte entry of
    the HPACK table that decode past the head's limit reset the stream with
    ENHANCE_YOUR_CALM (nginx's answer to an HPACK bomb), and the connection serves on."""
    sock = raw_h2(server.port, authority)
    encoder = hpack.Encoder()
    bomb = ("x-bomb", "b" * 4000)
    head = [(":method", "POST"), (":path", "/app/echo"), (":scheme", "https"),
            (":authority", "localhost"), bomb]
    sock.sendall(frame(1, 0x4, 1, encoder.encode(head)))  # END_HEADERS, a body follows
    sock.sendall(frame(0, 0x0, 1, b"body"))
    sock.sendall(frame(1, 0x5, 1, encoder.encode([bomb] * 500)))  # trailers, END_STREAM
    sock.sendall(frame(1, 0x5, 3, encoder.encode(
        [(":method", "GET"), (":path", "/index.html"), (":scheme", "https"),
         (":authority", "localhost")])))

    def reset_and_served(frames):
        ended = {f[2] for f in frames if f[0] in (0, 1) and f[1] & 0x1}
        return (3 in ended and any(f[0] == 3 for f in frames)) or any(f[0] == 7 for f in frames)

    frames = read_frames(sock, reset_and_served)
    sock.close()
    assert [(f[2], f[3]) for f in frames if f[0] == 3] == [(1, b"\0\0\0\x0b")], frames
    assert not any(f[0] == 7 for f in frames)  # no GOAWAY: only the stream was refused
    assert all(f[2] == 3 for f in frames if f[0] == 1)  # stream 1 got no response head
    assert still_served(server, authority)


def test_many_assets_load_in_headless_chromium(server, authority, tmp_path):
    chromium = require_tool("chromium")
    profile = tmp_path / "profile"
    out = subprocess.run(
        [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
         "--ignore-certificate-errors", f"--host-resolver-rules=MAP localhost:{server.port} "
         f"127.0.0.1:{server.port}", f"--screenshot={tmp_path}/page.png",
         "--window-size=800,600", f"{server.https}/page.html"],
        capture_output=True, text=True, timeout=120)
    assert (tmp_path / "page.png").stat().st_size > 0, out.stderr
    deadline = time.monotonic() + 10
    log = server.dir / "access.log"
    while time.monotonic() < deadline:
        assets = [line for line in log.read_text().splitlines() if "/asset/" in line]
        if len(assets) >= 40:
            break
        time.sleep(0.1)
    assert len(assets) >= 40, log.read_text()
    assert all(line.startswith("HTTP/2.0 https 200 GET /asset/") for line in assets)
