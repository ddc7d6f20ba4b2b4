"""Differential test of `disable_symlinks`: nginx 1.22 and strata serve the same tree of
files, directories and symlinks under off, on, if_not_owner and from=, and must answer
each request the same way (a refused symlink as the last component is 403, one on the
way to it is 404, as nginx's component-by-component openat() walk gives)."""
import os

import pytest

from conftest import config_test_by_nginx_and_strata
from test_nginx_differential import differences, nginx_and_strata, request

# A user other than the one running the servers owns `theirs.txt` (if_not_owner).
OTHER_UID = 65534

HTTP_BLOCK = r"""
    server_tokens off;
    default_type text/plain;
    server {
        listen 127.0.0.1:PORT default_server;
        server_name main.test;
        root ROOT/html;

        location /off/ { alias ROOT/html/; }
        location /on/ { alias ROOT/html/; disable_symlinks on; }
        location /owner/ { alias ROOT/html/; disable_symlinks if_not_owner; }
        location /tf/ { alias ROOT/html/; disable_symlinks on; try_files $uri =418; }
        location /idx/ { alias ROOT/html/; disable_symlinks on; index link.html; }
        location /idx2/ { alias ROOT/html/; index link.html; }
        location /ls/ { alias ROOT/html/; disable_symlinks on; autoindex on; }
        location /test/ {
            alias ROOT/html/;
            disable_symlinks on;
            if (-f $request_filename) { return 200 "file\n"; }
            if (-d $request_filename) { return 200 "dir\n"; }
            if (!-e $request_filename) { return 200 "missing\n"; }
            return 200 "other\n";
        }
        location /test-off/ {
            alias ROOT/html/;
            if (-f $request_filename) { return 200 "file\n"; }
            if (-d $request_filename) { return 200 "dir\n"; }
            return 200 "other\n";
        }
    }
    # The document root is itself a symlink: from=$document_root leaves it unchecked.
    server {
        listen 127.0.0.1:PORT;
        server_name from.test;
        root ROOT/rootlink;
        disable_symlinks on from=$document_root;
        location /nofrom/ { alias ROOT/rootlink/; disable_symlinks on; }
        location /owner-from/ { alias ROOT/rootlink/; disable_symlinks if_not_owner from=$document_root; }
    }
    server {
        listen 127.0.0.1:PORT;
        server_name strict.test;
        root ROOT/rootlink;
        disable_symlinks on;
        location /relaxed/ { alias ROOT/rootlink/; disable_symlinks off; }
    }
"""

CASES = [
    ("off: a plain file", request("/off/plain.txt")),
    ("off: a symlink to a file", request("/off/link.txt")),
    ("off: through a symlinked directory", request("/off/linkdir/inner.txt")),
    ("on: a plain file", request("/on/plain.txt")),
    ("on: a plain file in a directory", request("/on/real/inner.txt")),
    ("on: a symlink to a file is 403", request("/on/link.txt")),
    ("on: a symlink in a subdirectory is 403", request("/on/real/uplink.txt")),
    ("on: through a symlinked directory is 404", request("/on/linkdir/inner.txt")),
    ("on: a symlinked directory itself is 403", request("/on/linkdir")),
    ("on: a symlinked directory with a slash", request("/on/linkdir/")),
    ("on: a dangling symlink", request("/on/dangling.txt")),
    ("on: a missing file is 404", request("/on/nope.txt")),
    ("on: a real directory without index", request("/on/real/")),
    ("on: HEAD of a symlink", request("/on/link.txt", method="HEAD")),
    ("on: a big file through a symlink", request("/on/biglink.bin")),
    ("on: a big plain file", request("/on/big.bin")),
    ("if_not_owner: same owner", request("/owner/link.txt")),
    ("if_not_owner: same owner directory", request("/owner/linkdir/inner.txt")),
    ("if_not_owner: another owner's target", request("/owner/theirs-link.txt")),
    ("if_not_owner: another owner's plain file", request("/owner/theirs.txt")),
    ("try_files does not take a symlink", request("/tf/link.txt")),
    ("try_files takes a plain file", request("/tf/plain.txt")),
    ("index does not take a symlink", request("/idx/")),
    ("index follows a symlink when off", request("/idx2/")),
    ("autoindex of a symlinked directory", request("/ls/linkdir/")),
    ("autoindex of a real directory", request("/ls/real/")),
    ("if -f on a plain file", request("/test/plain.txt")),
    ("if -f on a symlink", request("/test/link.txt")),
    ("if -d on a symlinked directory", request("/test/linkdir")),
    ("if -f through a symlinked directory", request("/test/linkdir/inner.txt")),
    ("if -d on a real directory", request("/test/real")),
    ("if -f on a symlink, symlinks allowed", request("/test-off/link.txt")),
    ("if -d on a symlinked directory, symlinks allowed", request("/test-off/linkdir")),
    ("from=: below a symlinked root", request("/outside.txt", host="from.test")),
    ("from=: a symlink below the root is still refused", request("/link.txt", host="from.test")),
    ("without from=: the symlinked root is refused", request("/nofrom/outside.txt", host="from.test")),
    ("if_not_owner with from=", request("/owner-from/outside.txt", host="from.test")),
    ("on in server: the symlinked root is refused", request("/outside.txt", host="strict.test")),
    ("on in server, off in a location", request("/relaxed/outside.txt", host="strict.test")),
]


def make_tree(base):
    html = base / "html"
    (html / "real").mkdir(parents=True)
    (html / "plain.txt").write_bytes(b"plain\n")
    (html / "real/inner.txt").write_bytes(b"inner\n")
    (html / "big.bin").write_bytes(bytes(i % 251 for i in range(200 * 1024)))
    (html / "target.html").write_bytes(b"<p>index target</p>\n")
    (html / "theirs.txt").write_bytes(b"someone else's\n")
    os.chown(html / "theirs.txt", OTHER_UID, OTHER_UID)
    os.symlink("plain.txt", html / "link.txt")
    os.symlink("big.bin", html / "biglink.bin")
    os.symlink("real", html / "linkdir")
    os.symlink("../plain.txt", html / "real/uplink.txt")
    os.symlink("missing.txt", html / "dangling.txt")
    os.symlink("theirs.txt", html / "theirs-link.txt")
    os.symlink("target.html", html / "link.html")
    outside = base / "outside"
    outside.mkdir()
    (outside / "outside.txt").write_bytes(b"outside the tree\n")
    os.symlink("../html/plain.txt", outside / "link.txt")
    os.symlink(outside, base / "rootlink")


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.fail("if_not_owner needs a file owned by another user: run as root")
    base = tmp_path_factory.mktemp("symlinks")
    make_tree(base / "site")
    block = HTTP_BLOCK.replace("ROOT", str(base / "site"))
    with nginx_and_strata(base, block) as pair:
        yield pair


@pytest.mark.parametrize("name,raw", CASES, ids=[case[0] for case in CASES])
def test_disable_symlinks_like_nginx(servers, name, raw):
    assert differences(servers, raw) == []


@pytest.mark.parametrize("value,message", [
    ("off from=/x", '"from=" cannot be used with "off" parameter'),
    ("sideways", 'invalid parameter "sideways"'),
    ("on sideways", 'invalid parameter "sideways"'),
])
def test_bad_disable_symlinks_is_rejected_like_nginx(tmp_path, value, message):
    conf, results = config_test_by_nginx_and_strata(tmp_path, f"disable_symlinks {value};")
    for binary, result in results:
        assert result.returncode != 0, binary
        assert f"{message} in {conf}:5" in result.stderr, (binary, result.stderr)
