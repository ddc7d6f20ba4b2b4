"""`make run`'s site: examples/seed/stack.conf — the seed's nginx.conf with each of the
seed's apps mounted on its own path — served by one strata, run from a copy of
examples/seed/ on a port from the OS. Every URL `make run` prints answers."""
import shutil
import subprocess

import pytest
import requests

from conftest import SOURCE_DIR, STRATA_BIN, free_port, stop_process, wait_for_port

# (path, status, what the body starts with, a header that must be there)
PAGES = [
    ("/", 200, "Hello World", None),
    ("/path/to/resource", 200, "You found the resource.", None),
    ("/stack/", 200, "<!DOCTYPE html>", None),
    ("/gunicorn/", 200, "Hello, World!", None),
    ("/wsgi/", 200, "Hello world!", None),
    ("/middleware/", 200, "HELLO WORLD!", ("X-Middleware", "upper-case")),
    ("/werkzeug/hello/Ada", 200, "Hello, Ada!", None),
    ("/werkzeug/add/2/40", 200, "42", None),
    ("/werkzeug/nope", 404, "<!doctype html>", None),
    ("/flask/", 200, "<p>Hello, World!</p>", None),
    ("/flask/hello/Ada", 200, "Hello, Ada!", None),
    ("/flask/api/status", 200, '{"server":"strata/', ("Content-Type", "application/json")),
]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    seed = tmp_path_factory.mktemp("seed") / "seed"
    shutil.copytree(SOURCE_DIR / "examples/seed", seed,
                    ignore=shutil.ignore_patterns("logs", "__pycache__"))
    (seed / "logs").mkdir()
    port = free_port()
    conf = seed / "stack.conf"
    conf.write_text(conf.read_text().replace("listen 8080", f"listen 127.0.0.1:{port}")
                    .replace("listen [::]:8080", f"listen [::1]:{port}"))
    proc = subprocess.Popen([str(STRATA_BIN), "-c", str(conf), "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if not wait_for_port(port, proc):
        proc.kill()
        pytest.fail(f"strata did not start on stack.conf: {proc.stderr.read()!r}")
    yield f"http://127.0.0.1:{port}", seed
    stop_process(proc)


@pytest.mark.parametrize("path,status,start,header", PAGES, ids=[p[0] for p in PAGES])
def test_every_page_make_run_prints_answers(stack, path, status, start, header):
    url, _ = stack
    reply = requests.get(url + path, timeout=20)
    assert reply.status_code == status
    assert reply.text.startswith(start)
    if header:
        assert reply.headers[header[0]].startswith(header[1])


def test_the_index_page_links_every_app(stack):
    url, _ = stack
    page = requests.get(url + "/stack/", timeout=10).text
    for path in ("/gunicorn/", "/wsgi/", "/middleware/", "/werkzeug/hello/Ada", "/flask/"):
        assert f'href="{path}"' in page


def test_stack_conf_is_the_seed_config_plus_the_mounts():
    seed = (SOURCE_DIR / "examples/seed/nginx.conf").read_text()
    stack = (SOURCE_DIR / "examples/seed/stack.conf").read_text()
    directives = [line.strip() for line in seed.splitlines() if line.strip() and line.strip() != "}"]
    for line in directives:
        assert line in stack, f"the seed's line is missing from stack.conf: {line}"


def test_make_run_serves_stack_conf_and_prints_its_urls():
    makefile = (SOURCE_DIR / "Makefile").read_text()
    assert "-c examples/seed/stack.conf" in makefile
    printed = makefile.split("STACK_URLS :=")[1].split("run:")[0].replace("\\", " ").split()
    for path in printed:  # each printed URL is one this test checks
        assert path in [p[0] for p in PAGES]
    assert len(printed) >= 9
