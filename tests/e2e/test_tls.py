"""TLS on `listen … ssl`: certificates and chains, SNI, resumption across workers, the
protocol floor, plain HTTP on an HTTPS port (against Debian's nginx), $scheme and the
ssl variables, redirects, apps and config errors. Real clients: curl, openssl s_client,
Python's ssl and http.client."""
import hashlib
import re
import socket
import ssl
import subprocess
import time

import pytest

from conftest import STRATA_BIN, Nginx, Strata, read_response, require_tool
from wsgi_servers import child_pids, wait_until

LOG_FORMAT = ('log_format tls "$pid $scheme $https $ssl_protocol $ssl_server_name '
              '$ssl_session_reused $status $request";')


@pytest.fixture(scope="module")
def certs(authority):
    return {
        "localhost": authority.leaf("localhost"),
        "a.test": authority.leaf("a.test"),
        "b.test": authority.leaf("b.test"),
        "localhost-ec": authority.leaf("localhost", kind="ec"),
    }


def tls_server(tmp_path, site, certs, body="", listen_extra="", workers=1, http_extra=""):
    chain, key = certs["localhost"]
    block = f"""
    {LOG_FORMAT}
    access_log {tmp_path}/access.log tls;
    {http_extra}
    server {{
        listen 127.0.0.1:PORT ssl {listen_extra};
        server_name localhost;
        ssl_certificate {chain};
        ssl_certificate_key {key};
        root {site};
        {body}
    }}
    """
    return Strata(tmp_path, block, workers=workers)


def client_context(authority, **settings):
    context = ssl.create_default_context(cafile=str(authority.root))
    for name, value in settings.items():
        setattr(context, name, value)
    return context


def tls_connect(port, context, name="localhost", session=None):
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    return context.wrap_socket(raw, server_hostname=name, session=session)


def get(sock, path="/", host="localhost", close=False):
    connection = "close" if close else "keep-alive"
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: {connection}\r\n\r\n"
                 .encode())
    status, headers, body, _ = read_response(sock)
    return status, headers, body


def access_lines(path, count, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = path.read_text().splitlines() if path.exists() else []
        if len(lines) >= count:
            return lines
        time.sleep(0.05)
    pytest.fail(f"expected {count} access log lines in {path}")


def curl(*args):
    return subprocess.run([require_tool("curl"), "-sS", *args], capture_output=True,
                          timeout=30)


def test_static_files_over_tls_with_curl(tmp_path, site, certs, authority):
    server = tls_server(tmp_path, site, certs)
    try:
        resolve = f"localhost:{server.port}:127.0.0.1"
        base = f"https://localhost:{server.port}"
        small = curl("--cacert", str(authority.root), "--resolve", resolve, f"{base}/")
        assert small.returncode == 0, small.stderr
        assert small.stdout == b"Hello World\n"
        big = curl("--cacert", str(authority.root), "--resolve", resolve, f"{base}/big.bin")
        assert big.returncode == 0, big.stderr
        assert hashlib.sha256(big.stdout).digest() == \
            hashlib.sha256((site / "big.bin").read_bytes()).digest()
        ranged = curl("--cacert", str(authority.root), "--resolve", resolve, "-r", "5-9",
                      f"{base}/index.html")
        assert ranged.stdout == b" Worl"
        lines = access_lines(tmp_path / "access.log", 3)
        fields = lines[0].split(" ")
        assert fields[1:6] == ["https", "on", fields[3], "localhost", "."]
        assert fields[3] in ("TLSv1.2", "TLSv1.3")
        assert lines[1].split(" ")[6] == "200" and lines[2].split(" ")[6] == "206"
    finally:
        server.stop()
    assert server.proc.returncode == 0


def test_keep_alive_requests_share_one_tls_connection(tmp_path, site, certs, authority):
    server = tls_server(tmp_path, site, certs)
    try:
        with tls_connect(server.port, client_context(authority)) as sock:
            for _ in range(3):
                status, _, body = get(sock, "/path/to/resource")
                assert (status, body) == (200, b"You found the resource.\n")
            status, headers, body = get(sock, "/big.bin", close=True)
            assert status == 200 and len(body) == (site / "big.bin").stat().st_size
            assert headers["connection"] == "close"
    finally:
        server.stop()


def test_chain_verifies_against_the_root_alone(tmp_path, site, certs, authority):
    """The intermediate is sent from the certificate file: a client that trusts only the
    root verifies the chain (openssl s_client says so too)."""
    server = tls_server(tmp_path, site, certs)
    try:
        with tls_connect(server.port, client_context(authority)) as sock:
            assert sock.getpeercert()["subject"] == ((("commonName", "localhost"),),)
        openssl = require_tool("openssl")
        out = subprocess.run(
            [openssl, "s_client", "-connect", f"127.0.0.1:{server.port}", "-servername",
             "localhost", "-CAfile", str(authority.root), "-verify_return_error",
             "-showcerts"], input=b"", capture_output=True, timeout=30)
        text = out.stdout.decode()
        assert "Verify return code: 0 (ok)" in text, text
        assert text.count("-----BEGIN CERTIFICATE-----") == 2
    finally:
        server.stop()


def test_sni_chooses_the_server_and_its_certificate(tmp_path, site, certs, authority):
    (tmp_path / "b").mkdir()
    (tmp_path / "b/index.html").write_text("server b\n")
    a_chain, a_key = certs["a.test"]
    b_chain, b_key = certs["b.test"]
    block = f"""
    {LOG_FORMAT}
    access_log {tmp_path}/access.log tls;
    server {{
        listen 127.0.0.1:PORT ssl default_server;
        server_name a.test;
        ssl_certificate {a_chain};
        ssl_certificate_key {a_key};
        root {site};
    }}
    server {{
        listen 127.0.0.1:PORT ssl;
        server_name b.test;
        ssl_certificate {b_chain};
        ssl_certificate_key {b_key};
        root {tmp_path}/b;
    }}
    """
    server = Strata(tmp_path, block)
    try:
        context = client_context(authority)
        for name, body in (("a.test", b"Hello World\n"), ("b.test", b"server b\n")):
            with tls_connect(server.port, context, name) as sock:
                assert sock.getpeercert()["subject"] == ((("commonName", name),),)
                status, _, got = get(sock, host=name)
                assert (status, got) == (200, body)
        no_sni = client_context(authority, check_hostname=False)
        with tls_connect(server.port, no_sni, name=None) as sock:
            assert sock.getpeercert()["subject"] == ((("commonName", "a.test"),),)
        lines = access_lines(tmp_path / "access.log", 2)
        assert [line.split(" ")[4] for line in lines[:2]] == ["a.test", "b.test"]
    finally:
        server.stop()


def test_rsa_and_ecdsa_certificates_on_one_server(tmp_path, site, certs, authority):
    ec_chain, ec_key = certs["localhost-ec"]
    server = tls_server(tmp_path, site, certs,
                        body=f"ssl_certificate {ec_chain}; ssl_certificate_key {ec_key};")
    try:
        for cipher in ("ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256"):
            context = client_context(authority, maximum_version=ssl.TLSVersion.TLSv1_2)
            context.set_ciphers(cipher)
            with tls_connect(server.port, context) as sock:
                assert sock.cipher()[0] == cipher
                assert get(sock)[0] == 200
    finally:
        server.stop()


def assert_resumed_in_both_workers(server, context, tmp_path):
    """One full handshake, then 24 resumptions, each with the last session: every one is
    resumed, and both workers (reuseport spreads the connections) resumed sessions."""
    with tls_connect(server.port, context) as sock:
        assert get(sock)[0] == 200
        session = sock.session
    for _ in range(24):
        with tls_connect(server.port, context, session=session) as sock:
            assert get(sock)[0] == 200
            assert sock.session_reused
            session = sock.session
    lines = access_lines(tmp_path / "access.log", 25)
    resumed_in = {line.split(" ")[0] for line in lines[1:] if line.split(" ")[5] == "r"}
    assert len(resumed_in) == 2, lines  # both workers resumed sessions they never made


def test_tickets_resume_sessions_across_workers(tmp_path, site, certs, authority):
    server = tls_server(tmp_path, site, certs, listen_extra="reuseport", workers=2)
    try:
        assert_resumed_in_both_workers(server, client_context(authority), tmp_path)
    finally:
        server.stop()


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3])
def test_shared_session_cache_resumes_across_workers(tmp_path, site, certs, authority,
                                                      version):
    """Tickets off: session IDs, kept in memory both workers share."""
    server = tls_server(tmp_path, site, certs, listen_extra="reuseport", workers=2,
                        body="ssl_session_tickets off; ssl_session_cache shared:SSL:1m;")
    try:
        context = client_context(authority, maximum_version=version)
        assert_resumed_in_both_workers(server, context, tmp_path)
    finally:
        server.stop()


def test_shared_session_cache_outlives_a_reload(tmp_path, site, certs, authority):
    """nginx keeps a shared zone across reloads: a session made before resumes after."""
    server = tls_server(tmp_path, site, certs,
                        body="ssl_session_tickets off; ssl_session_cache shared:SSL:1m;")
    try:
        context = client_context(authority, maximum_version=ssl.TLSVersion.TLSv1_2)
        with tls_connect(server.port, context) as sock:
            assert get(sock)[0] == 200
            session = sock.session
        workers = set(child_pids(server.proc.pid))
        assert server.command("-s", "reload").returncode == 0
        wait_until(lambda: (now := set(child_pids(server.proc.pid))) and not now & workers,
                   timeout=15, what="new workers")
        with tls_connect(server.port, context, session=session) as sock:
            assert get(sock)[0] == 200
            assert sock.session_reused
    finally:
        server.stop()


def test_session_cache_resumes_with_s_client_reconnect(tmp_path, site, certs, authority):
    server = tls_server(tmp_path, site, certs,
                        body="ssl_session_cache shared:SSL:1m; ssl_session_tickets off;")
    try:
        openssl = require_tool("openssl")
        out = subprocess.run(
            [openssl, "s_client", "-connect", f"127.0.0.1:{server.port}", "-tls1_2",
             "-reconnect", "-CAfile", str(authority.root)],
            input=b"", capture_output=True, timeout=60)
        text = out.stdout.decode()
        assert text.count("Reused, TLSv1.2") == 5, text
    finally:
        server.stop()


def test_protocol_floor(tmp_path, site, certs, authority):
    server = tls_server(tmp_path, site, certs, body="ssl_protocols TLSv1.3;")
    try:
        tls12 = client_context(authority, maximum_version=ssl.TLSVersion.TLSv1_2)
        with pytest.raises(ssl.SSLError):
            tls_connect(server.port, tls12)
        with tls_connect(server.port, client_context(authority)) as sock:
            assert sock.version() == "TLSv1.3"
            assert get(sock)[0] == 200
    finally:
        server.stop()
    (tmp_path / "default").mkdir()
    default = tls_server(tmp_path / "default", site, certs)
    try:
        tls11 = subprocess.run(
            [require_tool("openssl"), "s_client", "-connect", f"127.0.0.1:{default.port}",
             "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"],
            input=b"", capture_output=True, timeout=30)
        assert tls11.returncode != 0
        assert b"Cipher is (NONE)" in tls11.stdout or b"alert" in tls11.stderr
        with tls_connect(default.port, client_context(
                authority, maximum_version=ssl.TLSVersion.TLSv1_2)) as sock:
            assert sock.version() == "TLSv1.2"
    finally:
        default.stop()


def plain_request(port):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /index.html HTTP/1.1\r\nHost: localhost\r\n\r\n")
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return data
            data += chunk


def test_plain_http_on_the_https_port_as_nginx_answers_it(tmp_path, site, certs):
    chain, key = certs["localhost"]
    block = f"""
    server {{
        listen 127.0.0.1:PORT ssl;
        ssl_certificate {chain};
        ssl_certificate_key {key};
        root {site};
    }}
    """
    (tmp_path / "strata").mkdir()
    server = Strata(tmp_path / "strata", block)
    nginx = Nginx(tmp_path / "nginx", block)
    try:
        ours, theirs = plain_request(server.port), plain_request(nginx.port)
    finally:
        server.stop()
        nginx.stop()

    def normalized(reply):
        head, _, body = reply.partition(b"\r\n\r\n")
        lines = [line for line in head.split(b"\r\n")
                 if not line.startswith((b"Date:", b"Server:"))]
        return lines, re.sub(rb"<center>(nginx|strata)/[0-9.]+</center>", b"<center>S</center>",
                             body)

    assert normalized(ours) == normalized(theirs)
    assert ours.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert b"The plain HTTP request was sent to HTTPS port" in ours


def test_error_page_497_redirects_plain_http(tmp_path, site, certs):
    server = tls_server(tmp_path, site, certs,
                        body="error_page 497 =301 https://localhost:$server_port$request_uri;")
    try:
        reply = plain_request(server.port)
    finally:
        server.stop()
    assert reply.startswith(b"HTTP/1.1 301 Moved Permanently\r\n"), reply
    assert f"Location: https://localhost:{server.port}/index.html\r\n".encode() in reply


def test_redirects_name_the_https_scheme(tmp_path, site, certs, authority):
    server = tls_server(tmp_path, site, certs, body="location = /old { return 302 /new; }")
    try:
        with tls_connect(server.port, client_context(authority)) as sock:
            status, headers, _ = get(sock, "/path/to")
            assert status == 301
            assert headers["location"] == f"https://localhost:{server.port}/path/to/"
            status, headers, _ = get(sock, "/old")
            assert (status, headers["location"]) == (302, f"https://localhost:{server.port}/new")
    finally:
        server.stop()


def test_apps_see_https(tmp_path, site, certs, authority):
    (tmp_path / "scheme_app.py").write_text('''
def app(environ, start_response):
    body = ("%s %s" % (environ["wsgi.url_scheme"], environ.get("HTTPS", "-"))).encode()
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]
''')
    server = tls_server(tmp_path, site, certs, body="location /app { wsgi_app scheme_app:app; }",
                        http_extra=f"wsgi_pythonpath {tmp_path};")
    try:
        with tls_connect(server.port, client_context(authority)) as sock:
            status, _, body = get(sock, "/app")
            assert (status, body) == (200, b"https on")
    finally:
        server.stop()


def test_broken_handshakes_leave_the_server_serving(tmp_path, site, certs, authority):
    server = tls_server(tmp_path, site, certs, http_extra="client_header_timeout 1s;")
    try:
        # A client hello cut short, then silence: closed at client_header_timeout.
        silent = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        silent.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
        started = time.monotonic()
        assert silent.recv(100) == b""
        assert time.monotonic() - started < 8
        # Garbage that looks like a record, and a client that leaves mid-handshake.
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as junk:
            junk.sendall(b"\x16\x03\x01\x00\x05hello" * 3)
            received = b""
            try:
                while chunk := junk.recv(100):  # an alert at most, then the close
                    received += chunk
            except ConnectionResetError:
                pass  # closed with the rest of the junk unread: a reset, not a hang
            assert len(received) < 100
        socket.create_connection(("127.0.0.1", server.port)).close()
        with tls_connect(server.port, client_context(authority)) as sock:
            assert get(sock)[0] == 200
    finally:
        server.stop()
    assert server.proc.returncode == 0


@pytest.mark.parametrize("settings, message", [
    ("ssl_certificate {missing}; ssl_certificate_key {key};",
     'cannot load certificate "{missing}"'),
    ("ssl_certificate {chain}; ssl_certificate_key {chain};",
     'cannot load certificate key "{chain}"'),
    ("ssl_certificate {chain};", 'no "ssl_certificate_key" is defined for certificate "{chain}"'),
    ("", 'no "ssl_certificate" is defined for the "listen ... ssl" directive'),
    ("ssl_certificate {chain}; ssl_certificate_key {key}; ssl_protocols TLSv1.2 TLSv9;",
     'invalid value "TLSv9" in "ssl_protocols" directive'),
    ("ssl_certificate {chain}; ssl_certificate_key {key}; ssl_ciphers NO-SUCH-CIPHER;",
     'SSL_CTX_set_cipher_list("NO-SUCH-CIPHER") failed'),
])
def test_config_errors_name_file_and_line(tmp_path, certs, settings, message):
    chain, key = certs["localhost"]
    values = {"missing": tmp_path / "missing.pem", "chain": chain, "key": key}
    conf = tmp_path / "nginx.conf"
    conf.write_text("events {}\nhttp {\n  server {\n    listen 127.0.0.1:8443 ssl;\n"
                    f"    {settings.format(**values)}\n  }}\n}}\n")
    out = subprocess.run([str(STRATA_BIN), "-t", "-c", str(conf)], capture_output=True,
                         text=True, timeout=30)
    assert out.returncode == 1
    line = 4 if "listen ... ssl" in message else 5
    assert message.format(**values) in out.stderr, out.stderr
    assert f"{conf}:{line}" in out.stderr, out.stderr
