"""`autoindex on` listings, compared byte for byte with Debian's nginx 1.22.

Both servers load the same http{} block over the same directory tree; every file gets a
fixed mtime so the date columns agree. Status lines, headers (less Server and Date) and
bodies must be identical, as in test_nginx_differential.
"""
import os

import pytest

from test_nginx_differential import differences, head, nginx_and_strata, request

MTIME = 1764000000          # 24-Nov-2025 16:00 UTC
LONG_NAME = "a-very-long-file-name-that-nginx-cuts-at-fifty-bytes-in-the-listing.txt"

FILES = {
    "list/b.txt": b"hello",
    "list/a.bin": b"\0" * 5000,
    "list/Big.dat": b"x" * 3_000_000,
    "list/1st": b"",
    "list/_under": b"1234567890" * 1200,
    "list/.hidden": b"not listed",
    "list/sub/inner.txt": b"inner",
    "list/zdir/.keep": b"",
    "list/a dir/x": b"",
    "list/" + LONG_NAME: b"long",
    "list/" + "\u00e9" * 30: b"utf-8 name cut in the middle of a character",
    "list/exactly-fifty-bytes-long-name-for-the-column.txt": b"",
    "list/x&y <z> \"q\" %.txt": b"special",
    "list/caf\u00e9 cr\u00e8me.txt": b"utf-8",
    "list/" + "d" * 50 + "/f": b"",
    "list/" + "e" * 49 + "/f": b"",
    "indexed/index.html": b"the index, not a listing\n",
    "x&y <dir>/f.txt": b"a directory name the title escapes",
}
EMPTY_DIRS = ["list/empty", "empty"]

HTTP_BLOCK = r"""
    server_tokens off;
    gzip on;
    server {
        listen 127.0.0.1:PORT default_server;
        server_name main.test;
        root ROOT;
        autoindex on;
        location /approx/ {
            alias ROOT/list/;
            autoindex_exact_size off;
        }
        location /json/ {
            alias ROOT/list/;
            autoindex_format json;
        }
        location /jsonp/ {
            alias ROOT/list/;
            autoindex_format jsonp;
        }
        location /xml/ {
            alias ROOT/list/;
            autoindex_format xml;
        }
        location /headers/ {
            alias ROOT/list/;
            add_header X-Listing yes;
        }
        location /kinds-json/ {
            alias ROOT/kinds/;
            autoindex_format json;
        }
        location /kinds-xml/ {
            alias ROOT/kinds/;
            autoindex_format xml;
        }
        location /local/ {
            alias ROOT/list/;
            autoindex_localtime on;
        }
        location /off/ {
            alias ROOT/list/;
            autoindex off;
        }
    }
"""

CASES = [
    ("files and subdirectories", request("/list/")),
    ("empty directory", request("/empty/")),
    ("empty subdirectory", request("/list/empty/")),
    ("directory with an index file", request("/indexed/")),
    ("escaped title", request("/x%26y%20%3Cdir%3E/")),
    ("HEAD", head("/list/")),
    ("HTTP/1.0", request("/list/", version="HTTP/1.0")),
    ("gzip", request("/list/", "Accept-Encoding: gzip")),
    ("exact_size off", request("/approx/")),
    ("json", request("/json/")),
    ("json empty", request("/json/empty/")),
    ("jsonp with callback", request("/jsonp/?callback=show_list.v1")),
    ("jsonp without callback", request("/jsonp/")),
    ("jsonp bad callback", request("/jsonp/?callback=alert(1)")),
    ("xml", request("/xml/")),
    ("fifo and symlinks", request("/kinds/")),
    ("fifo and symlinks, json", request("/kinds-json/")),
    ("fifo and symlinks, xml", request("/kinds-xml/")),
    ("autoindex_localtime on", request("/local/")),
    ("add_header", request("/headers/")),
    ("If-None-Match *", request("/list/", "If-None-Match: *")),
    ("autoindex off", request("/off/")),
    ("POST", request("/list/", "Content-Length: 0", method="POST")),
    ("missing directory", request("/list/nothing/")),
    ("directory without slash", request("/list/sub")),
]


def make_tree(root):
    for name, data in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    for name in EMPTY_DIRS:
        (root / name).mkdir(parents=True, exist_ok=True)
    kinds = root / "kinds"
    kinds.mkdir()
    os.mkfifo(kinds / "fifo")
    os.symlink("/nonexistent/target", kinds / "dangling")
    os.symlink("../list/sub", kinds / "to-dir")
    os.symlink("../list/b.txt", kinds / "to-file")
    for path in [root, *root.rglob("*")]:
        os.utime(path, (MTIME, MTIME), follow_symlinks=False)


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """(nginx, strata), both serving HTTP_BLOCK over the same document root."""
    base = tmp_path_factory.mktemp("autoindex")
    make_tree(base / "html")
    with nginx_and_strata(base, HTTP_BLOCK.replace("ROOT", str(base / "html"))) as pair:
        yield pair


@pytest.mark.parametrize("name,raw", CASES, ids=[case[0] for case in CASES])
def test_listing_matches_nginx(servers, name, raw):
    assert differences(servers, raw) == []
