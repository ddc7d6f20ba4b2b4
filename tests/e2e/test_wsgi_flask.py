"""Real Flask and Werkzeug apps (Debian's python3-flask / python3-werkzeug) through the
WSGI server, with `requests` and curl as clients: forms, JSON, cookies and sessions,
redirects, multipart uploads, streaming, send_file, 404 and 500. Run against strata
and gunicorn 20.1, under wsgiref's validator."""
import hashlib
import io
import subprocess

import pytest
import requests

from conftest import require_tool
from wsgi_servers import (SERVER_NAMES, LogWatch, require_module, start_server,
                          validator_complaints)

FLASK_APP = r'''
import hashlib
import os
import time

from flask import (Flask, Response, abort, jsonify, make_response, redirect, request,
                   send_file, session, stream_with_context, url_for)

HERE = os.path.dirname(os.path.abspath(__file__))
flask_app = Flask(__name__)
flask_app.secret_key = b"e2e tests only"


@flask_app.route("/")
def hello():
    return "Hello from Flask!\n"


@flask_app.route("/form", methods=["GET", "POST"])
def form():
    if request.method == "GET":
        return '<form method="post"><input name="name"></form>'
    return f"name={request.form['name']} tags={','.join(request.form.getlist('tag'))}"


@flask_app.post("/json")
def json_in_out():
    data = request.get_json()
    return jsonify(received=data, total=sum(data["numbers"]), kind=request.content_type)


@flask_app.route("/cookie/set")
def set_cookie():
    response = make_response("cookie set\n")
    response.set_cookie("flavour", "chocolate chip", httponly=True)
    return response


@flask_app.route("/cookie/show")
def show_cookie():
    return jsonify(dict(request.cookies))


@flask_app.route("/session/count")
def count():
    session["count"] = session.get("count", 0) + 1
    return str(session["count"])


@flask_app.route("/old")
def old():
    return redirect(url_for("hello"), code=301)


@flask_app.route("/temporary")
def temporary():
    return redirect("/target?from=temporary")


@flask_app.route("/target")
def target():
    return f"arrived from {request.args['from']}"


@flask_app.route("/external")
def external():
    return url_for("hello", _external=True)


@flask_app.post("/upload")
def upload():
    files = {name: {"filename": f.filename, "type": f.mimetype,
                    "sha256": hashlib.sha256(f.read()).hexdigest()}
             for name, f in request.files.items()}
    return jsonify(files=files, form=request.form.to_dict())


@flask_app.route("/stream")
def stream():
    count = int(request.args.get("n", "3"))

    def generate():
        for i in range(count):
            yield f"line {i} for {request.args.get('who', 'nobody')}\n"
    return Response(stream_with_context(generate()), mimetype="text/plain")


@flask_app.route("/download")
def download():
    return send_file(os.path.join(HERE, "download.bin"), mimetype="application/octet-stream")


@flask_app.route("/forbidden")
def forbidden():
    abort(403)


@flask_app.route("/boom")
def boom():
    raise RuntimeError("flask view failed")


app = flask_app
'''

WERKZEUG_APP = r'''
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

url_map = Map([
    Rule("/", endpoint="index"),
    Rule("/user/<name>", endpoint="user"),
    Rule("/add/<int:a>/<int:b>", endpoint="add"),
    Rule("/echo", endpoint="echo", methods=["POST"]),
    Rule("/docs/", endpoint="docs"),
])


def index(request):
    return Response("werkzeug index\n")


def user(request, name):
    return Response(f"hello {name}\n")


def add(request, a, b):
    return Response(f"{a + b}\n")


def docs(request):
    return Response("docs\n")


def echo(request):
    return Response(request.get_data(), mimetype=request.mimetype)


@Request.application
def application(request):
    adapter = url_map.bind_to_environ(request.environ)
    try:
        endpoint, values = adapter.match()
        return globals()[endpoint](request, **values)
    except HTTPException as e:
        return e


app = application
'''


@pytest.fixture(scope="module", params=SERVER_NAMES)
def flask_server(request, tmp_path_factory):
    require_module("flask")
    directory = tmp_path_factory.mktemp(request.param)
    (directory / "download.bin").write_bytes(DOWNLOAD)
    started = start_server(request.param, directory, FLASK_APP, validate="lenient")
    yield started
    started.stop()


@pytest.fixture(scope="module", params=SERVER_NAMES)
def werkzeug_server(request, tmp_path_factory):
    require_module("werkzeug")
    started = start_server(request.param, tmp_path_factory.mktemp(request.param), WERKZEUG_APP,
                           validate="lenient")
    yield started
    started.stop()


@pytest.fixture(autouse=True)
def no_validator_complaints(request):
    servers = [request.getfixturevalue(name) for name in ("flask_server", "werkzeug_server")
               if name in request.fixturenames]
    watches = [LogWatch(server) for server in servers]
    yield
    for watch in watches:
        assert validator_complaints(watch.new()) == [], watch.new()


DOWNLOAD = bytes(range(256)) * 8192 + b"tail"  # 2 MiB and a bit


def test_hello(flask_server):
    response = requests.get(f"{flask_server.url}/", timeout=10)
    assert response.status_code == 200
    assert response.text == "Hello from Flask!\n"
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"


def test_urlencoded_form_post(flask_server):
    response = requests.post(f"{flask_server.url}/form",
                             data=[("name", "Zoë & co"), ("tag", "a"), ("tag", "b")], timeout=10)
    assert response.text == "name=Zoë & co tags=a,b"


def test_json_in_and_out(flask_server):
    response = requests.post(f"{flask_server.url}/json",
                             json={"numbers": [1, 2, 3.5], "name": "ü"}, timeout=10)
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"received": {"numbers": [1, 2, 3.5], "name": "ü"},
                               "total": 6.5, "kind": "application/json"}


def test_cookie_set_and_sent_back(flask_server):
    with requests.Session() as client:
        first = client.get(f"{flask_server.url}/cookie/set", timeout=10)
        assert 'flavour="chocolate chip"' in first.headers["Set-Cookie"]
        assert "HttpOnly" in first.headers["Set-Cookie"]
        assert client.get(f"{flask_server.url}/cookie/show", timeout=10).json() == {
            "flavour": "chocolate chip"}


def test_signed_session_cookie_round_trips(flask_server):
    with requests.Session() as client:
        counts = [client.get(f"{flask_server.url}/session/count", timeout=10).text
                  for _ in range(3)]
    assert counts == ["1", "2", "3"]


def test_redirects(flask_server):
    permanent = requests.get(f"{flask_server.url}/old", allow_redirects=False, timeout=10)
    assert permanent.status_code == 301
    assert permanent.headers["Location"] == "/"
    temporary = requests.get(f"{flask_server.url}/temporary", allow_redirects=False, timeout=10)
    assert temporary.status_code == 302
    assert temporary.headers["Location"] == "/target?from=temporary"
    followed = requests.get(f"{flask_server.url}/temporary", timeout=10)
    assert followed.text == "arrived from temporary"
    assert [r.status_code for r in followed.history] == [302]


def test_url_for_external_follows_the_forwarded_scheme(flask_server):
    plain = requests.get(f"{flask_server.url}/external", timeout=10).text
    assert plain == f"http://127.0.0.1:{flask_server.port}/"
    proxied = requests.get(f"{flask_server.url}/external", timeout=10,
                           headers={"X-Forwarded-Proto": "https", "Host": "www.example.test"})
    assert proxied.text == "https://www.example.test/"


def test_multipart_file_upload(flask_server):
    photo = bytes(range(256)) * 4000
    notes = "line one\nline two\n".encode()
    response = requests.post(
        f"{flask_server.url}/upload",
        files={"photo": ("cat.jpg", io.BytesIO(photo), "image/jpeg"),
               "notes": ("notes.txt", notes, "text/plain")},
        data={"title": "holiday"}, timeout=30)
    assert response.json() == {
        "files": {"photo": {"filename": "cat.jpg", "type": "image/jpeg",
                            "sha256": hashlib.sha256(photo).hexdigest()},
                  "notes": {"filename": "notes.txt", "type": "text/plain",
                            "sha256": hashlib.sha256(notes).hexdigest()}},
        "form": {"title": "holiday"}}


def test_multipart_upload_with_curl(flask_server, tmp_path):
    upload = tmp_path / "report.pdf"
    upload.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 10000)
    out = subprocess.run([require_tool("curl"), "-sS", "--max-time", "20", "-F", f"doc=@{upload}",
                          "-F", "title=quarterly", f"{flask_server.url}/upload"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert hashlib.sha256(upload.read_bytes()).hexdigest() in out.stdout
    assert '"title":"quarterly"' in out.stdout.replace(" ", "")


def test_streaming_response_with_stream_with_context(flask_server):
    with requests.get(f"{flask_server.url}/stream?n=50&who=ann", stream=True,
                      timeout=10) as response:
        assert response.headers.get("Transfer-Encoding") == "chunked"
        lines = list(response.iter_lines())
    assert lines == [f"line {i} for ann".encode() for i in range(50)]


def test_send_file_uses_the_file_wrapper(flask_server):
    response = requests.get(f"{flask_server.url}/download", timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Length"] == str(len(DOWNLOAD))
    assert response.content == DOWNLOAD


def test_send_file_conditional_and_range(flask_server):
    first = requests.get(f"{flask_server.url}/download", timeout=30)
    etag = first.headers["ETag"]
    again = requests.get(f"{flask_server.url}/download", headers={"If-None-Match": etag},
                         timeout=30)
    assert again.status_code == 304 and again.content == b""
    part = requests.get(f"{flask_server.url}/download", headers={"Range": "bytes=10-19"},
                        timeout=30)
    assert part.status_code == 206
    assert part.content == DOWNLOAD[10:20]


def test_not_found_and_forbidden(flask_server):
    missing = requests.get(f"{flask_server.url}/no/such/page", timeout=10)
    assert missing.status_code == 404
    assert "Not Found" in missing.text
    assert requests.get(f"{flask_server.url}/forbidden", timeout=10).status_code == 403


def test_view_exception_is_flasks_500_and_logged(flask_server):
    watch = LogWatch(flask_server)
    response = requests.get(f"{flask_server.url}/boom", timeout=10)
    assert response.status_code == 500
    assert "Internal Server Error" in response.text
    assert flask_server.wait_for_log("flask view failed")
    logged = watch.new()
    assert "Exception on /boom [GET]" in logged
    # Flask logs through wsgi.errors, a whole record per write(): its traceback stays
    # one block (gunicorn writes it as it is; strata gives it one prefix).
    traceback = logged[logged.index("Traceback (most recent call last):"):]
    assert traceback.splitlines()[1].startswith('  File "')


def test_head_of_a_flask_page(flask_server):
    response = requests.head(f"{flask_server.url}/", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Length"] == str(len("Hello from Flask!\n"))


def test_werkzeug_routing(werkzeug_server):
    base = werkzeug_server.url
    assert requests.get(f"{base}/", timeout=10).text == "werkzeug index\n"
    assert requests.get(f"{base}/user/zoë", timeout=10).text == "hello zoë\n"
    assert requests.get(f"{base}/add/2/40", timeout=10).text == "42\n"
    assert requests.get(f"{base}/add/2/x", timeout=10).status_code == 404
    echoed = requests.post(f"{base}/echo", data=b"\x00\x01binary", timeout=10,
                           headers={"Content-Type": "application/octet-stream"})
    assert echoed.content == b"\x00\x01binary"
    wrong_method = requests.get(f"{base}/echo", timeout=10)
    assert wrong_method.status_code == 405
    assert "POST" in wrong_method.headers["Allow"]


def test_werkzeug_redirects_to_the_canonical_url(werkzeug_server):
    # A rule ending in "/" asked for without it: a 308 to the canonical URL, built from
    # the environ (wsgi.url_scheme, HTTP_HOST, SCRIPT_NAME).
    response = requests.get(f"{werkzeug_server.url}/docs", allow_redirects=False, timeout=10)
    assert response.status_code == 308
    assert response.headers["Location"] in ("/docs/", f"{werkzeug_server.url}/docs/")
    assert requests.get(f"{werkzeug_server.url}/docs", timeout=10).text == "docs\n"
