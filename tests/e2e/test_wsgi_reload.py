"""--reload: a changed module is imported afresh by a new worker (strata and gunicorn)."""
import time

import pytest
import requests

from wsgi_servers import serve, wsgi_server_class  # noqa: F401 (fixtures)

APP = """
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"VERSION\\n"]
"""


def wait_for_body(url, expected, timeout=15):
    deadline = time.monotonic() + timeout
    body = None
    while time.monotonic() < deadline:
        try:
            body = requests.get(url, timeout=2).text
        except requests.ConnectionError:
            body = None
        if body == expected:
            return body
        time.sleep(0.1)
    return body


def test_a_changed_module_is_served_by_a_new_worker(serve, tmp_path):
    server = serve(APP.replace("VERSION", "one"), "app:app", "--reload")
    assert requests.get(server.url, timeout=5).text == "one\n"
    # A new mtime second: pollers compare mtimes (gunicorn without inotify polls).
    time.sleep(1.1)
    (tmp_path / "app.py").write_text(APP.replace("VERSION", "two"))
    assert wait_for_body(server.url, "two\n") == "two\n"
    assert server.wait_for_log("modified")


def test_extra_files_are_watched_too(serve, tmp_path):
    extra = tmp_path / "settings.txt"
    extra.write_text("a")
    server = serve(APP.replace("VERSION", "one"), "app:app", "--reload",
                   "--reload-extra-file", str(extra))
    assert requests.get(server.url, timeout=5).text == "one\n"
    time.sleep(1.1)
    extra.write_text("b")
    assert server.wait_for_log(f"{extra} modified", timeout=15)


def test_the_worker_runs_worker_int_before_it_leaves(serve, tmp_path, wsgi_server_class,
                                                     request):
    if wsgi_server_class.name == "gunicorn":
        # gunicorn 20.1 calls worker_int from its reloader thread while the worker's main
        # loop may already be exiting (workers/base.py, changed()): the hook's write is
        # sometimes cut off. The expectation is its code's; the race is its own.
        request.applymarker(pytest.mark.xfail(strict=False, reason="gunicorn's reload race"))
    record = tmp_path / "worker_int.txt"
    config = tmp_path / "reload.conf.py"
    config.write_text("import os\n\n"
                      "def worker_int(worker):\n"
                      f"    with open({str(record)!r}, 'a') as f:\n"
                      "        f.write(f'{worker.pid} {os.getpid()}\\n')\n")
    server = serve(APP.replace("VERSION", "one"), "app:app", "--reload", "-c", str(config))
    assert requests.get(server.url, timeout=5).text == "one\n"
    old_worker = server.workers()[0]
    time.sleep(1.1)
    (tmp_path / "app.py").write_text(APP.replace("VERSION", "two"))
    assert wait_for_body(server.url, "two\n") == "two\n"
    # Once, in the worker that left, with itself as the hook's worker.
    assert record.read_text().split() == [str(old_worker), str(old_worker)]
