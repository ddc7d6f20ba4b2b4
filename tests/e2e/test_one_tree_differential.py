"""The seed's stack against one strata: the same Flask app behind Debian's nginx →
gunicorn (proxy_pass to a unix socket, as the seed deploys it) and mounted with wsgi_app
in strata, the same http{} block otherwise. For a table of requests the status, the body
and the headers that carry meaning must be the same.

Not compared: Server and Date (each server's own), Connection and Keep-Alive, and how
the body is framed (nginx talks HTTP/1.0 to gunicorn and re-frames; strata passes the
app's framing) — the body bytes are compared after de-chunking.
"""
import pytest
import requests

from conftest import Nginx, Strata
from wsgi_servers import Gunicorn

APP = '''
from flask import Flask, abort, jsonify, make_response, redirect, request

app = Flask(__name__)

@app.route("/")
def index():
    return "Hello from the seed's Flask app"

@app.route("/json")
def as_json():
    return jsonify(answer=42, items=[1, 2, 3])

@app.route("/redirect")
def go():
    return redirect("/json")

@app.route("/missing")
def missing():
    abort(404)

@app.route("/broken")
def broken():
    raise RuntimeError("a bug in the app")

@app.route("/echo", methods=["POST", "PUT"])
def echo():
    return "%s %s %r" % (request.method, request.content_type, request.get_data())

@app.route("/form", methods=["POST"])
def form():
    return ",".join("%s=%s" % kv for kv in sorted(request.form.items()))

@app.route("/args")
def args():
    return ",".join("%s=%s" % kv for kv in sorted(request.args.items(multi=True)))

@app.route("/header")
def header():
    return request.headers.get("X-Custom", "none") + "|" + request.headers.get("User-Agent", "")

@app.route("/cookie")
def cookie():
    response = make_response("cookie set")
    response.set_cookie("session", "abc123", httponly=True, path="/")
    return response

@app.route("/teapot")
def teapot():
    return "short and stout", 418, {"X-Kettle": "yes"}

@app.route("/stream")
def stream():
    def lines():
        for i in range(50):
            yield "line %d\\n" % i
    return app.response_class(lines(), mimetype="text/plain")

@app.route("/page")
def page():
    return "<html><body>" + "<p>a paragraph of html</p>" * 100 + "</body></html>"

@app.route("/big")
def big():
    return "x" * 200000

@app.route("/tagged")
def tagged():
    response = make_response("tagged body")
    response.headers["ETag"] = '"v1"'
    response.headers["Last-Modified"] = "Tue, 02 May 2023 04:00:00 GMT"
    return response

@app.route("/path/<name>")
def path(name):
    return "name=" + name
'''

HTTP_BLOCK = """
    types { text/html html; text/plain txt; }
    default_type application/octet-stream;
    access_log off;
    gzip on;
    server {
        listen 127.0.0.1:PORT;
        root ROOT;
        location / { try_files $uri @app; }
        location @app { APP_CONTENT }
    }
"""

NGINX_APP = ("proxy_pass http://unix:SOCKET; proxy_set_header Host $http_host; "
             "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;")
STRATA_APP = "wsgi_app seed_flask:app;"

COMPARED = ("content-type", "content-encoding", "location", "set-cookie", "vary", "x-kettle",
            "content-disposition", "cache-control", "etag", "last-modified")

CASES = [
    ("GET", "/", {}, None),
    ("GET", "/static.txt", {}, None),
    ("GET", "/json", {}, None),
    ("GET", "/redirect", {}, None),
    ("GET", "/missing", {}, None),
    ("GET", "/broken", {}, None),
    ("GET", "/nowhere/at/all", {}, None),
    ("POST", "/echo", {"Content-Type": "application/octet-stream"}, b"\x00binary\xffbody"),
    ("PUT", "/echo", {"Content-Type": "text/plain"}, b"put body"),
    ("POST", "/form", {"Content-Type": "application/x-www-form-urlencoded"}, b"b=2&a=1&c=%20x"),
    ("GET", "/args?z=1&a=2&a=3&e=%C3%A9", {}, None),
    ("GET", "/header", {"X-Custom": "custom value", "User-Agent": "differential/1"}, None),
    ("GET", "/cookie", {}, None),
    ("GET", "/teapot", {}, None),
    ("GET", "/stream", {}, None),
    ("GET", "/page", {"Accept-Encoding": "gzip"}, None),
    ("GET", "/page", {"Accept-Encoding": "identity"}, None),
    ("GET", "/big", {}, None),
    ("GET", "/path/caf%C3%A9", {}, None),
    # nginx does not answer 304/412 for an upstream's validators (only a cache would):
    # the app's 200 passes whatever the conditional headers say.
    ("GET", "/tagged", {"If-None-Match": '"v1"'}, None),
    ("GET", "/tagged", {"If-Modified-Since": "Tue, 02 May 2023 04:00:00 GMT"}, None),
    ("GET", "/tagged", {"If-Match": '"other"'}, None),
    ("HEAD", "/", {}, None),
    ("HEAD", "/json", {}, None),
    ("DELETE", "/echo", {}, None),
    ("GET", "/echo", {}, None),
]


@pytest.fixture(scope="module")
def stacks(tmp_path_factory):
    base = tmp_path_factory.mktemp("seed-stack")
    apps, root = base / "apps", base / "html"
    apps.mkdir()
    root.mkdir()
    (apps / "seed_flask.py").write_text(APP)
    (root / "static.txt").write_text("a static file beside the app\n")
    block = HTTP_BLOCK.replace("ROOT", str(root))
    socket_path = base / "gunicorn.sock"
    gunicorn = Gunicorn(apps, "seed_flask:app", "--worker-class", "gthread", "--threads", "4",
                        bind=f"unix:{socket_path}", stdio="file")
    started = [gunicorn]
    try:
        nginx = Nginx(base / "nginx", block.replace(
            "APP_CONTENT", NGINX_APP.replace("SOCKET", str(socket_path))))
        started.append(nginx)
        (base / "strata").mkdir()
        strata = Strata(base / "strata", f"wsgi_chdir {apps};\n" +
                        block.replace("APP_CONTENT", STRATA_APP))
        started.append(strata)
        yield nginx, strata
    finally:
        for server in reversed(started):
            server.stop()


def observe(server, method, path, headers, body):
    reply = requests.request(method, server.url + path, headers=headers, data=body,
                             allow_redirects=False, timeout=10)
    kept = {name: reply.headers[name] for name in COMPARED if name in reply.headers}
    return reply.status_code, reply.reason, kept, reply.content


@pytest.mark.parametrize("method,path,headers,body", CASES,
                         ids=[f"{c[0]} {c[1]} {sorted(c[2].items())}" for c in CASES])
def test_one_strata_answers_like_nginx_in_front_of_gunicorn(stacks, method, path, headers,
                                                            body):
    nginx, strata = stacks
    expected = observe(nginx, method, path, headers, body)
    actual = observe(strata, method, path, headers, body)
    assert actual == expected
