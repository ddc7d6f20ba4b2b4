"""Apps inside the nginx config: `wsgi_app` in a location, served by the same strata
process as the static files, with no proxy hop. Real Flask and raw WSGI apps, real
clients (requests, raw sockets)."""
import gzip
import os
import socket
import subprocess
import threading
import time

import pytest
import requests

from conftest import STRATA_BIN, Strata
from wsgi_servers import child_pids, wait_until

APPS = {
    "flask_site.py": '''
from flask import Flask, abort, request
app = Flask(__name__)

@app.route("/hello")
def hello():
    return "Hello from Flask"

@app.route("/page")
def page():
    return "<html><body>" + "<p>flask paragraph</p>" * 50 + "</body></html>"

@app.route("/upload", methods=["POST"])
def upload():
    return "got %d bytes" % len(request.get_data())

@app.route("/missing")
def missing():
    abort(404)

@app.route("/<path:rest>")
def fallback(rest):
    return "app saw /" + rest
''',
    "raw_env.py": '''
def app(environ, start_response):
    body = ("SCRIPT_NAME=%s PATH_INFO=%s QUERY=%s" % (
        environ["SCRIPT_NAME"], environ["PATH_INFO"], environ["QUERY_STRING"])).encode()
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]
''',
    "crashing.py": '''
def app(environ, start_response):
    raise RuntimeError("the app broke")
''',
    "streaming.py": '''
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/html")])
    for i in range(200):
        yield b"<p>streamed line %d</p>\\n" % i
''',
    "broken_import.py": '''
import no_such_module_anywhere
app = None
''',
}

HTTP_BLOCK = """
    types { text/html html; text/plain txt; }
    default_type application/octet-stream;
    access_log ACCESS_LOG;
    gzip on;
    gzip_types text/plain;
    wsgi_chdir APPDIR;
    server {
        listen 127.0.0.1:PORT;
        root ROOT;
        error_page 500 502 /50x.html;
        location / { try_files $uri $uri/ @app; }
        location @app { wsgi_app flask_site:app; add_header X-Served-By app; }
        location /raw/ { wsgi_app raw_env:app; wsgi_root_path /raw; }
        location /crash { wsgi_app crashing:app; }
        location /stream { wsgi_app streaming:app; }
        location /gone { wsgi_app broken_import:app; }
        location /intercepted/ {
            wsgi_app flask_site:app; wsgi_root_path /intercepted; wsgi_intercept_errors on;
            error_page 404 /404.html;
        }
        location /small { wsgi_app flask_site:app; client_max_body_size 10; }
    }
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base = tmp_path_factory.mktemp("one-tree")
    root, apps = base / "html", base / "apps"
    root.mkdir()
    apps.mkdir()
    (root / "index.html").write_text("Hello World\n")
    (root / "50x.html").write_text("site error page\n")
    (root / "404.html").write_text("site not-found page\n")
    (root / "static.txt").write_text("a static file\n")
    for name, text in APPS.items():
        (apps / name).write_text(text)
    block = (HTTP_BLOCK.replace("ROOT", str(root)).replace("APPDIR", str(apps))
             .replace("ACCESS_LOG", str(base / "access.log")))
    strata = Strata(base, block)
    strata.access_log = base / "access.log"
    yield strata
    strata.stop()


def get(server, path, **kwargs):
    return requests.get(server.url + path, timeout=10, **kwargs)


def test_static_and_app_on_one_port(server):
    static = get(server, "/")
    assert static.status_code == 200 and static.text == "Hello World\n"
    app = get(server, "/hello")
    assert app.status_code == 200 and app.text == "Hello from Flask"
    assert app.headers["Content-Type"] == "text/html; charset=utf-8"
    assert app.headers["Server"].startswith("strata")  # the front server's own


def test_try_files_falls_back_to_the_app(server):
    assert get(server, "/static.txt").text == "a static file\n"
    fallback = get(server, "/no/such/file")
    assert fallback.status_code == 200
    assert fallback.text == "app saw /no/such/file"
    assert fallback.headers["X-Served-By"] == "app"  # add_header of the app's location


def test_two_apps_side_by_side_with_their_own_script_name(server):
    raw = get(server, "/raw/some/path?x=1")
    assert raw.text == "SCRIPT_NAME=/raw PATH_INFO=/some/path QUERY=x=1"
    assert get(server, "/hello").text == "Hello from Flask"


def test_app_output_is_gzipped_with_nginx_rules(server):
    page = get(server, "/page", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    assert page.text.startswith("<html><body><p>flask paragraph</p>")
    plain = get(server, "/page", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert plain.text == page.text
    streamed = get(server, "/stream", headers={"Accept-Encoding": "gzip"})
    assert streamed.headers["Content-Encoding"] == "gzip"
    assert streamed.text.count("<p>streamed line") == 200


def test_raw_gzip_stream_is_well_formed(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n"
                     b"Connection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding: chunked" in head
    plain = b""
    while True:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            break
        plain += body[:size]
        body = body[size + 2:]
    text = gzip.decompress(plain).decode()
    assert text.splitlines()[-1] == "<p>streamed line 199</p>"


def test_app_crash_goes_through_error_page(server):
    crash = get(server, "/crash")
    assert crash.status_code == 500
    assert crash.text == "site error page\n"


def test_app_errors_pass_through_unless_intercepted(server):
    passed = get(server, "/missing")
    assert passed.status_code == 404
    assert "Not Found" in passed.text  # Flask's own page
    intercepted = get(server, "/intercepted/missing")
    assert intercepted.status_code == 404
    assert intercepted.text == "site not-found page\n"
    assert get(server, "/intercepted/hello").text == "Hello from Flask"


def test_app_that_cannot_import_answers_502_and_the_site_stays_up(server):
    gone = get(server, "/gone")
    assert gone.status_code == 502
    assert gone.text == "site error page\n"
    assert get(server, "/").text == "Hello World\n"
    log = server.error_log.read_text()
    assert 'wsgi_app "broken_import:app"' in log and "no_such_module_anywhere" in log
    assert 'app "broken_import:app" is not running' in log


def test_client_max_body_size_applies_before_the_app(server):
    too_big = requests.post(server.url + "/small", data=b"x" * 100, timeout=10)
    assert too_big.status_code == 413
    upload = requests.post(server.url + "/upload", data=b"x" * 5000, timeout=10)
    assert upload.text == "got 5000 bytes"


def test_app_requests_are_in_the_access_log(server):
    get(server, "/raw/logged")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if '"GET /raw/logged HTTP/1.1" 200 ' in server.access_log.read_text():
            return
        time.sleep(0.05)
    pytest.fail("no access log line for the app request")


SLOW_APP = '''
import time
def app(environ, start_response):
    time.sleep(0.3)
    start_response("200 OK", [("Content-Type", "text/plain")])
    yield b"slow "  # the head goes out with the first bytes
    time.sleep(0.2)
    yield b"body"

def failing(environ, start_response):
    raise RuntimeError("broken")
'''


def wait_for_lines(path, count):
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = path.read_text().splitlines() if path.exists() else []
        if len(lines) >= count:
            return lines
        time.sleep(0.05)
    pytest.fail(f"{path} has fewer than {count} lines")


def test_app_call_is_timed_in_the_upstream_variables(tmp_path):
    # The app stands where nginx's upstream would: $upstream_addr names it, the times
    # are its call's (head at 0.3 s, end at 0.5 s), and a static request has none.
    apps = tmp_path / "apps"
    apps.mkdir()
    (apps / "slow.py").write_text(SLOW_APP)
    (tmp_path / "html").mkdir()
    (tmp_path / "html" / "f.txt").write_text("file\n")
    log = tmp_path / "timing.log"
    block = f"""wsgi_chdir {apps};
    log_format timing '$uri $status $upstream_addr $upstream_status $upstream_connect_time '
                      '$upstream_header_time $upstream_response_time $upstream_response_length';
    server {{
        listen 127.0.0.1:PORT;
        root {tmp_path / "html"};
        access_log {log} timing;
        location /slow {{ wsgi_app slow:app; }}
        location /failing {{ wsgi_app slow:failing; }}
        location /f.txt {{ }}
    }}"""
    server = Strata(tmp_path, block)
    try:
        assert get(server, "/slow").text == "slow body"
        assert get(server, "/failing").status_code == 500
        assert get(server, "/f.txt").text == "file\n"
        slow, failing, static = wait_for_lines(log, 3)
        uri, status, addr, upstream_status, connect, header, response, length = slow.split()
        assert (uri, status, addr, upstream_status, connect, length) == (
            "/slow", "200", "slow:app", "200", "0.000", "9")
        assert 0.3 <= float(header) < float(response) and 0.5 <= float(response) < 5, slow
        uri, status, addr, upstream_status, connect, header, response, length = failing.split()
        assert (uri, status, addr, upstream_status, connect, length) == (
            "/failing", "500", "slow:failing", "500", "0.000", "0")
        assert static == "/f.txt 200 - - - - - -"
    finally:
        server.stop()


def test_static_requests_flow_while_a_slow_upload_reaches_the_app(server):
    # A client trickles a body to the app; meanwhile static requests are answered. The
    # app is called only once the body is complete, so it never waits on the client.
    body = b"y" * 64
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    sock.sendall(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body))
    sent = threading.Event()

    def trickle():
        for i in range(0, len(body), 8):
            sock.sendall(body[i:i + 8])
            time.sleep(0.1)
        sent.set()

    writer = threading.Thread(target=trickle)
    writer.start()
    answered = 0
    with requests.Session() as session:
        while not sent.is_set():
            assert session.get(server.url + "/static.txt", timeout=5).text == "a static file\n"
            answered += 1
    writer.join()
    reply = b""
    while b"got 64 bytes" not in reply:
        chunk = sock.recv(65536)
        assert chunk, f"closed before the app answered: {reply!r}"
        reply += chunk
    sock.close()
    assert answered >= 5  # several static answers came while the body trickled in


@pytest.mark.parametrize("block,message", [
    ("server { listen 127.0.0.1:1;\nwsgi_app a:b; }",
     '"wsgi_app" directive is not allowed here in CONF:4'),
    ("server { listen 127.0.0.1:1;\nlocation / { wsgi_app a:b; wsgi_app c:d; } }",
     '"wsgi_app" directive is duplicate in CONF:4'),
    ("server { listen 127.0.0.1:1;\nlocation / { wsgi_threads 2; } }",
     '"wsgi_app" is missing in the location in CONF:4'),
    ("wsgi_priority 20;\nserver { listen 127.0.0.1:1; }",
     'invalid number "20" in CONF:3'),
    ("wsgi_priority x;\nserver { listen 127.0.0.1:1; }",
     'invalid number "x" in CONF:3'),
    ("server { listen 127.0.0.1:1;\nlocation / { wsgi_app a:b; wsgi_intercept_errors yes; } }",
     'invalid value "yes" in "wsgi_intercept_errors" directive, it must be "on" or "off" in CONF:4'),
])
def test_t_refuses_bad_app_directives(tmp_path, block, message):
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"events {{}}\nhttp {{\n{block}\n}}\n")
    result = subprocess.run([str(STRATA_BIN), "-t", "-c", str(conf)], capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 1
    assert "[emerg] " + message.replace("CONF", str(conf)) in result.stderr


def test_reload_picks_up_changed_app_code_with_no_failed_request(tmp_path):
    apps, root = tmp_path / "apps", tmp_path / "html"
    apps.mkdir()
    root.mkdir()
    (root / "index.html").write_text("static\n")
    version = apps / "versioned.py"
    template = ("def app(environ, start_response):\n"
                "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
                "    return [b'VERSION']\n")
    version.write_text(template.replace("VERSION", "one"))
    block = f"""
        wsgi_chdir {apps};
        server {{
            listen 127.0.0.1:PORT;
            root {root};
            location /app {{ wsgi_app versioned:app; }}
        }}"""
    server = Strata(tmp_path, block, workers=2)
    failures, seen, stop = [], set(), threading.Event()

    def load():
        with requests.Session() as session:
            while not stop.is_set():
                try:
                    reply = session.get(server.url + "/app", timeout=10)
                    if reply.status_code != 200:
                        failures.append(reply.status_code)
                    seen.add(reply.text)
                except requests.RequestException as error:
                    failures.append(repr(error))

    clients = [threading.Thread(target=load) for _ in range(4)]
    try:
        for client in clients:
            client.start()
        time.sleep(0.5)
        version.write_text(template.replace("VERSION", "two"))
        assert server.command("-s", "reload").returncode == 0
        deadline = time.monotonic() + 15
        while "two" not in seen and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
    finally:
        stop.set()
        for client in clients:
            client.join()
        server.stop()
    assert failures == []
    assert seen == {"one", "two"}


def thread_nice_values(pid):
    """{thread id: nice value} of a process's threads (/proc/PID/task/TID/stat field 19)."""
    values = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        stat = open(f"/proc/{pid}/task/{tid}/stat").read()
        fields = stat[stat.rindex(")") + 2:].split()
        values[int(tid)] = int(fields[16])
    return values


def app_worker_pid(server):
    children = child_pids(server.proc.pid)
    assert len(children) == 1, children
    return children[0]


def test_app_threads_run_below_the_event_loop(server):
    # wsgi_priority's default, 10: the loop thread (the process's first) keeps nice 0.
    assert get(server, "/hello").text == "Hello from Flask"
    pid = app_worker_pid(server)
    nice = thread_nice_values(pid)
    assert nice.pop(pid) == 0
    assert nice and set(nice.values()) == {10}, nice


def test_wsgi_priority_sets_the_app_threads_nice_value(tmp_path):
    apps = tmp_path / "apps"
    apps.mkdir()
    (apps / "raw_env.py").write_text(APPS["raw_env.py"])
    block = f"""wsgi_chdir {apps};
    wsgi_priority 3;
    server {{ listen 127.0.0.1:PORT; location / {{ wsgi_app raw_env:app; wsgi_threads 2; }} }}"""
    server = Strata(tmp_path, block)
    try:
        assert get(server, "/x").text.startswith("SCRIPT_NAME=")
        pid = app_worker_pid(server)
        nice = thread_nice_values(pid)
        assert nice.pop(pid) == 0
        assert sorted(nice.values()) == [3, 3], nice
    finally:
        server.stop()


def test_a_config_with_apps_is_served_from_the_python3_executable(server):
    # The apps run on Debian's python3 (built with PGO/LTO), not libpython3.11.so; the
    # process keeps its pid and ps still shows the strata command.
    pid = server.proc.pid
    assert os.path.realpath(f"/proc/{pid}/exe") == os.path.realpath("/usr/bin/python3")
    title = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
    assert title[0].endswith(b"/strata") and b"-c" in title
    assert get(server, "/hello").text == "Hello from Flask"


def test_a_config_without_apps_stays_in_the_strata_executable(tmp_path):
    static = Strata(tmp_path, "server { listen 127.0.0.1:PORT; location / { return 200 ok; } }")
    try:
        exe = os.path.realpath(f"/proc/{static.proc.pid}/exe")
        assert exe == os.path.realpath(str(STRATA_BIN))
    finally:
        static.stop()


LIMITS_APP = '''
import os, time

def app(environ, start_response):
    if environ["PATH_INFO"] == "/hang":
        with open(os.path.join(os.path.dirname(__file__), "entered"), "w") as f:
            f.write("hang")
        time.sleep(3600)
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
'''


def limits_server(tmp_path, directives):
    apps, root = tmp_path / "apps", tmp_path / "html"
    apps.mkdir()
    root.mkdir()
    (root / "index.html").write_text("static\n")
    (apps / "limits.py").write_text(LIMITS_APP)
    return Strata(tmp_path, f"""
        wsgi_chdir {apps};
        {directives}
        server {{
            listen 127.0.0.1:PORT;
            root {root};
            location /app/ {{ wsgi_app limits:app; wsgi_root_path /app; wsgi_threads 2; }}
        }}""")


def test_a_worker_stuck_in_an_app_past_wsgi_timeout_is_replaced(tmp_path):
    server = limits_server(tmp_path, "wsgi_timeout 2s;")
    try:
        before = get(server, "/app/pid").text
        statics = []

        def static_while_hanging():
            time.sleep(0.3)  # the app thread is inside time.sleep() by now
            for _ in range(20):
                statics.append(get(server, "/").text)

        reader = threading.Thread(target=static_while_hanging)
        reader.start()
        with pytest.raises(requests.ConnectionError):
            requests.get(server.url + "/app/hang", timeout=30)  # dropped with its worker
        reader.join()
        # The loop thread never waited for the stuck app: every static request was served.
        assert statics == ["static\n"] * 20
        deadline = time.monotonic() + 15
        after = before
        while after == before and time.monotonic() < deadline:
            try:
                after = get(server, "/app/pid").text
            except requests.RequestException:
                time.sleep(0.1)
        assert after != before  # a new worker, with a fresh interpreter, serves the app
        assert get(server, "/").text == "static\n"
        assert f"WORKER TIMEOUT (pid:{before})" in server.error_log.read_text()
    finally:
        server.stop()


def test_a_fast_stop_does_not_wait_for_an_app_that_never_returns(tmp_path):
    """nginx's TERM: the worker leaves at once, app calls in flight or not; the master
    need not kill it."""
    server = limits_server(tmp_path, "wsgi_timeout 0;")
    dropped = []

    def hang():
        try:
            requests.get(server.url + "/app/hang", timeout=30)
        except requests.RequestException as e:
            dropped.append(e)

    try:
        hanging = threading.Thread(target=hang)
        hanging.start()
        wait_until((tmp_path / "apps" / "entered").exists, timeout=10,
                   what="the app call in progress")
        server.proc.terminate()
        server.proc.wait(timeout=30)
        hanging.join()
        assert len(dropped) == 1
        log = server.error_log.read_text()
        assert "with 1 requests unfinished" in log
        assert "did not exit in time" not in log and "SIGKILL" not in log, log
    finally:
        server.stop()


def test_a_reload_brings_the_new_wsgi_timeout(tmp_path):
    server = limits_server(tmp_path, "wsgi_timeout 0;")  # never, at first
    try:
        first = get(server, "/app/pid").text
        conf = server.conf.read_text()
        server.conf.write_text(conf.replace("wsgi_timeout 0;", "wsgi_timeout 1s;"))
        assert server.command("-s", "reload").returncode == 0
        deadline = time.monotonic() + 15
        second = first
        while second == first and time.monotonic() < deadline:
            second = get(server, "/app/pid").text
            time.sleep(0.1)
        assert second != first
        with pytest.raises(requests.ConnectionError):
            requests.get(server.url + "/app/hang", timeout=30)  # dropped with its worker
        assert f"WORKER TIMEOUT (pid:{second})" in server.error_log.read_text()
    finally:
        server.stop()


def test_a_worker_leaves_after_wsgi_max_requests_and_is_replaced(tmp_path):
    server = limits_server(tmp_path, "wsgi_max_requests 3;")
    try:
        pids = [get(server, "/app/pid").text for _ in range(3)]
        assert len(set(pids)) == 1
        deadline = time.monotonic() + 15
        later = pids[0]
        while later == pids[0] and time.monotonic() < deadline:
            try:
                later = get(server, "/app/pid").text
            except requests.RequestException:
                time.sleep(0.1)
        assert later != pids[0]
        assert "after 3 app requests" in server.error_log.read_text()
    finally:
        server.stop()
