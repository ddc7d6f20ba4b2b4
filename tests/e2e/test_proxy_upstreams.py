"""The proxy against real backends (proxy_backend.py): each balancing method's
distribution, upstream keep-alive reuse seen from the backend, failover when a backend
dies under load (no client error for idempotent requests), no retry of a POST once it
was sent, timeouts and refused connections answered 504/502 with nginx's error-log
lines, `no live upstreams`, and $upstream_addr / $upstream_status /
$upstream_response_time in the access log."""
import collections
import re
import socket
import threading
import time
import urllib.request

import pytest

from conftest import Nginx, Strata
from proxy_backend import Backend


def get(url, timeout=10, method="GET", data=None, headers=None):
    """(status, headers, body) — HTTP errors included, not raised."""
    request = urllib.request.Request(url, method=method, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def dead_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_log(path, pattern, timeout=5):
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = path.read_text() if path.exists() else ""
        if re.search(pattern, text):
            return text
        time.sleep(0.05)
    pytest.fail(f"{pattern!r} not in {path}:\n{text}")


@pytest.fixture
def backends():
    started = []

    def make(n, **kwargs):
        new = [Backend(f"b{len(started) + i}", **kwargs) for i in range(n)]
        started.extend(new)
        return new

    yield make
    for b in started:
        b.stop()


@pytest.fixture
def proxy(tmp_path):
    servers = []

    def make(http_block):
        directory = tmp_path / f"s{len(servers)}"
        directory.mkdir()
        server = Strata(directory, http_block)
        servers.append(server)
        return server

    yield make
    for s in servers:
        s.stop()


def server_block(upstream, location_extra="", http_extra=""):
    return f"""
        {http_extra}
        upstream pool {{ {upstream} }}
        server {{
            listen 127.0.0.1:PORT;
            location / {{ proxy_pass http://pool; {location_extra} }}
        }}"""


def distribution(url, count, path="/"):
    seen = collections.Counter()
    for i in range(count):
        status, headers, _ = get(url + path.replace("I", str(i)))
        assert status == 200
        seen[headers["X-Backend"]] += 1
    return seen


def test_round_robin_follows_the_weights(tmp_path, backends, proxy):
    a, b, c = backends(3)
    server = proxy(server_block(f"server {a.address} weight=3; server {b.address}; "
                                f"server {c.address};"))
    assert distribution(server.url, 50) == {"b0": 30, "b1": 10, "b2": 10}


def test_least_conn_spreads_sequential_requests(backends, proxy):
    a, b = backends(2)
    server = proxy(server_block(f"least_conn; server {a.address}; server {b.address};"))
    assert distribution(server.url, 20) == {"b0": 10, "b1": 10}


def test_least_conn_avoids_the_busy_peer(backends, proxy):
    a, b = backends(2)
    server = proxy(server_block(f"least_conn; server {a.address}; server {b.address};"))
    slow = threading.Thread(target=get, args=(server.url + "/slow-head/1.5",))
    slow.start()
    time.sleep(0.3)
    seen = distribution(server.url, 6)
    slow.join()
    busy = a if any(r.target.startswith("/slow") for r in a.requests) else b
    idle = b if busy is a else a
    assert seen == {idle.name: 6}


def test_ip_hash_sends_one_client_to_one_peer(backends, proxy):
    peers = backends(3)
    server = proxy(server_block("ip_hash; " + " ".join(f"server {p.address};" for p in peers)))
    assert len(distribution(server.url, 12)) == 1


@pytest.mark.parametrize("method", ["hash $arg_k", "hash $arg_k consistent"])
def test_hash_is_stable_per_key_and_spreads_keys(backends, proxy, method):
    peers = backends(3)
    server = proxy(server_block(f"{method}; " + " ".join(f"server {p.address};" for p in peers)))
    for key in ("alpha", "beta", "gamma"):
        assert len(distribution(server.url, 5, f"/?k={key}")) == 1
    assert len(distribution(server.url, 60, "/?k=keyI")) == 3


def test_backup_only_when_primaries_fail(backends, proxy):
    primary, backup = backends(2)
    server = proxy(server_block(f"server {primary.address}; server {backup.address} backup;"))
    assert distribution(server.url, 4) == {"b0": 4}
    primary.stop()
    assert distribution(server.url, 4) == {"b1": 4}


def test_keepalive_reuses_one_connection(backends, proxy):
    (b,) = backends(1)
    server = proxy(server_block(f"server {b.address}; keepalive 4;",
                                'proxy_http_version 1.1; proxy_set_header Connection "";'))
    for i in range(25):
        status, _, _ = get(server.url + f"/n{i}")
        assert status == 200
    assert b.count() == 25
    assert b.connections == 1
    assert {r.connection for r in b.requests} == {1}
    assert all(r.version == "HTTP/1.1" and r.header("Connection") is None for r in b.requests)


def test_without_keepalive_each_request_has_its_connection(backends, proxy):
    (b,) = backends(1)
    server = proxy(server_block(f"server {b.address};"))
    for i in range(5):
        get(server.url + f"/n{i}")
    assert b.connections == 5
    assert all(r.header("Connection") == "close" and r.version == "HTTP/1.0" for r in b.requests)


def test_keepalive_requests_bounds_a_connection(backends, proxy):
    (b,) = backends(1)
    server = proxy(server_block(f"server {b.address}; keepalive 2; keepalive_requests 3;",
                                'proxy_http_version 1.1; proxy_set_header Connection "";'))
    for i in range(9):
        get(server.url + f"/n{i}")
    assert b.connections == 3


def test_stale_kept_connection_is_retried_transparently(backends, proxy):
    (b,) = backends(1)
    server = proxy(server_block(f"server {b.address}; keepalive 2;",
                                'proxy_http_version 1.1; proxy_set_header Connection "";'))
    assert get(server.url + "/first")[0] == 200
    # The backend drops its side of the idle connection; the proxy's next request on it
    # must not fail the client.
    for conn in list(b.open_connections):
        conn.shutdown(socket.SHUT_RDWR)
    for i in range(5):
        assert get(server.url + f"/after{i}")[0] == 200


def test_failover_under_load_loses_no_request(tmp_path, backends, proxy):
    a, b = backends(2)
    server = proxy(server_block(f"server {a.address}; server {b.address};",
                                http_extra=f"error_log {tmp_path}/proxy-error.log;"))
    failures = []
    done = threading.Event()

    def client():
        while not done.is_set():
            status, _, _ = get(server.url + "/load")
            if status != 200:
                failures.append(status)

    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(1)
    a.stop()
    time.sleep(1.5)
    done.set()
    for t in threads:
        t.join()
    assert failures == []
    assert b.count() > 0
    # Whichever failure comes first takes the peer out (max_fails=1): a refused connect, a
    # connect reset (queued in the backlog of the listener that closed), or a request in
    # flight cut short.
    wait_for_log(tmp_path / "proxy-error.log",
                 r"(connect\(\) failed \((111: Connection refused|104: Connection reset by peer)\)"
                 r" while connecting to upstream"
                 r"|recv\(\) failed \(104: Connection reset by peer\) while reading response "
                 r"header from upstream|upstream prematurely closed connection while reading "
                 r"response header from upstream), client: 127\.0\.0\.1, server: , request: "
                 rf"\"GET /load HTTP/1\.1\", upstream: \"http://{re.escape(a.address)}/load\", "
                 r"host: \"127\.0\.0\.1:\d+\"")


def test_post_is_not_retried_once_sent(tmp_path, backends, proxy):
    (good,) = backends(1)
    dropper = socket.socket()  # accepts, reads the request, closes without answering
    dropper.bind(("127.0.0.1", 0))
    dropper.listen(16)

    def drop():
        while True:
            try:
                conn, _ = dropper.accept()
            except OSError:
                return
            conn.recv(65536)
            conn.close()

    threading.Thread(target=drop, daemon=True).start()
    address = f"127.0.0.1:{dropper.getsockname()[1]}"
    server = proxy(server_block(f"server {address} max_fails=0; server {good.address} max_fails=0;"))
    try:
        posts = [get(server.url + "/p", method="POST", data=b"x=1")[0] for _ in range(4)]
        gets = [get(server.url + "/g")[0] for _ in range(4)]
    finally:
        dropper.close()
    assert posts.count(502) == 2 and posts.count(200) == 2
    assert gets == [200] * 4
    assert all(r.method == "POST" for r in good.requests[:2])


@pytest.mark.parametrize("conditions,path", [
    ("error timeout http_503", "/status/503"),
    ("error timeout http_404", "/status/404"),
    ("error timeout", "/status/503"),
    ("off", "/status/500"),
])
def test_next_upstream_on_status_as_nginx(tmp_path, backends, proxy, conditions, path):
    """What statuses and which peers a run of requests sees when every peer answers an
    error status: the same as nginx (a retried 5xx counts against its peer, so the run
    ends in `no live upstreams`; a 404 does not)."""
    outcomes = {}
    for name in ("nginx", "strata"):
        a, b = backends(2)
        block = server_block(f"server {a.address}; server {b.address};",
                             f"proxy_next_upstream {conditions};")
        if name == "nginx":
            server = Nginx(tmp_path / "nginx", block)
        else:
            server = proxy(block)
        try:
            outcomes[name] = ([get(server.url + path)[0] for _ in range(5)],
                              [a.count(), b.count()])
        finally:
            if name == "nginx":
                server.stop()
    assert outcomes["strata"] == outcomes["nginx"]


def test_read_timeout_is_504_with_nginx_log_line(tmp_path, backends, proxy):
    (b,) = backends(1)
    server = proxy(server_block(f"server {b.address};", "proxy_read_timeout 500ms;",
                                http_extra=f"error_log {tmp_path}/timeouts.log;"))
    started = time.monotonic()
    status, _, body = get(server.url + "/slow-head/3")
    assert status == 504
    assert time.monotonic() - started < 2.5
    assert b"504 Gateway Time-out" in body
    wait_for_log(tmp_path / "timeouts.log",
                 r"\[error\] \d+#\d+: \*?\d* ?upstream timed out \(110: Connection timed out\) "
                 r"while reading response header from upstream, client: 127\.0\.0\.1, server: , "
                 r"request: \"GET /slow-head/3 HTTP/1\.1\", upstream: \"http://127\.0\.0\.1:\d+"
                 r"/slow-head/3\", host: ")


def test_read_timeout_mid_body_cuts_the_response(backends, proxy):
    (b,) = backends(1)
    server = proxy(server_block(f"server {b.address};", "proxy_read_timeout 500ms;"))
    with pytest.raises(Exception):
        get(server.url + "/slow-body/3")


def test_refused_is_502(tmp_path, proxy):
    port = dead_port()
    server = proxy(f"""
        error_log {tmp_path}/refused.log;
        server {{ listen 127.0.0.1:PORT; location / {{ proxy_pass http://127.0.0.1:{port}; }} }}""")
    status, _, body = get(server.url + "/x?y=1")
    assert status == 502
    assert b"502 Bad Gateway" in body
    wait_for_log(tmp_path / "refused.log",
                 r"connect\(\) failed \(111: Connection refused\) while connecting to upstream, "
                 rf"client: 127\.0\.0\.1, server: , request: \"GET /x\?y=1 HTTP/1\.1\", "
                 rf"upstream: \"http://127\.0\.0\.1:{port}/x\?y=1\", host: \"127\.0\.0\.1:\d+\"")


def test_unix_socket_missing_is_502(tmp_path, proxy):
    server = proxy(f"""
        error_log {tmp_path}/unix.log;
        server {{ listen 127.0.0.1:PORT;
                  location / {{ proxy_pass http://unix:{tmp_path}/none.sock:/app/; }} }}""")
    assert get(server.url + "/x")[0] == 502
    wait_for_log(tmp_path / "unix.log",
                 rf"connect\(\) to unix:{re.escape(str(tmp_path))}/none\.sock failed "
                 r"\(2: No such file or directory\) while connecting to upstream, .*"
                 rf"upstream: \"http://unix:{re.escape(str(tmp_path))}/none\.sock:/app/x\"")


def test_all_peers_down_is_no_live_upstreams(tmp_path, proxy):
    p1, p2 = dead_port(), dead_port()
    server = proxy(server_block(f"server 127.0.0.1:{p1}; server 127.0.0.1:{p2};",
                                http_extra=f"error_log {tmp_path}/nolive.log warn;"))
    assert get(server.url + "/one")[0] == 502  # both refused: both rest for fail_timeout
    assert get(server.url + "/two")[0] == 502
    wait_for_log(tmp_path / "nolive.log",
                 r"\[error\] .*no live upstreams while connecting to upstream, client: "
                 r"127\.0\.0\.1, server: , request: \"GET /two HTTP/1\.1\", "
                 r"upstream: \"http://pool/two\"")
    wait_for_log(tmp_path / "nolive.log", r"\[warn\] .*upstream server temporarily disabled")


def test_upstream_variables_in_the_access_log(tmp_path, backends, proxy):
    (good,) = backends(1)
    dead = dead_port()
    log = tmp_path / "upstream.log"
    server = proxy(server_block(
        f"server 127.0.0.1:{dead}; server {good.address};",
        http_extra='log_format up "$upstream_addr|$upstream_status|$upstream_response_time'
                   f'|$upstream_connect_time|$status"; access_log {log} up;'))
    get(server.url + "/a")  # round robin: the dead peer first
    get(server.url + "/b")
    lines = wait_for_log(log, r"\n.*\n").splitlines()
    first = lines[0].split("|")
    assert first[0] == f"127.0.0.1:{dead}, {good.address}"
    assert first[1] == "502, 200"
    assert re.fullmatch(r"\d+\.\d{3}, \d+\.\d{3}", first[2])
    assert re.fullmatch(r"-, \d+\.\d{3}", first[3])
    assert first[4] == "200"
    assert lines[1].split("|")[:2] == [good.address, "200"]


def test_client_body_spooled_to_a_file_reaches_the_backend(backends, proxy):
    (b,) = backends(1)
    server = proxy(server_block(f"server {b.address};", "client_max_body_size 20m;"))
    body = bytes(range(256)) * 8192  # 2 MiB: beyond the in-memory limit
    status, _, _ = get(server.url + "/upload", method="POST", data=body)
    assert status == 200
    assert b.requests[-1].body == body
    assert b.requests[-1].header("Content-Length") == str(len(body))
