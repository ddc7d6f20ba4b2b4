"""Path traversal: requests that try to reach a file outside the document root — dot
segments plain and percent-encoded (upper, lower, mixed, double-encoded), encoded
slashes, `//`, backslashes raw and encoded, NUL, overlong UTF-8 dots (`%c0%ae`), through
`root` and `alias`, in absolute-form and origin-less targets — and symlinks that lead
out of the root under `disable_symlinks on` and `from=$document_root`.

For every request: strata's answer never carries the secret that lies outside the root
(nor does Debian's nginx's, the reference), and strata's status is nginx's for the same
bytes. (test_nginx_differential.py compares whole responses for a few of these in its
own site; this table is about the root's boundary.)"""
import os

import pytest

from test_nginx_differential import nginx_and_strata, observe, request

SECRET = b"SECRET outside the document root\n"

HTTP_BLOCK = r"""
    server_tokens off;
    default_type text/plain;
    server {
        listen 127.0.0.1:PORT default_server;
        server_name main.test;
        root BASE/html;
        location / { }
        location /static/ { alias BASE/html/sub/; }
        location /nolinks/ { alias BASE/html/; disable_symlinks on; }
        location /fromroot/ { disable_symlinks on from=$document_root; }
    }
"""


def make_tree(base):
    (base / "outside").mkdir()
    (base / "outside/secret.txt").write_bytes(SECRET)
    html = base / "html"
    (html / "sub").mkdir(parents=True)
    (html / "fromroot").mkdir()
    (html / "index.html").write_bytes(b"index\n")
    (html / "sub/file.txt").write_bytes(b"sub file\n")
    os.symlink("../outside/secret.txt", html / "secret-link.txt")
    os.symlink("../outside", html / "out")
    os.symlink("../../outside/secret.txt", html / "fromroot/secret-link.txt")
    os.symlink("../../outside", html / "fromroot/out")
    os.symlink("../index.html", html / "fromroot/in-link.txt")


def raw(target):
    return request(target, "Connection: close")


UP = "outside/secret.txt"
CASES = [
    # plain dot-dot
    ("dot-dot", f"/../{UP}"),
    ("dot-dot twice", f"/../../{UP}"),
    ("dot-dot below a directory", f"/sub/../../{UP}"),
    ("dot-dot after dot", f"/./../{UP}"),
    ("dot-dot behind double slash", f"//../{UP}"),
    ("dot-dot behind double slash below a directory", f"/sub//../../{UP}"),
    ("dot-dot at the end", "/sub/../.."),
    ("three dots", f"/.../{UP}"),
    ("dot-dot with semicolon", f"/sub/..;/..;/{UP}"),
    # percent-encoded dots and slashes
    ("encoded dot-dot", f"/%2e%2e/{UP}"),
    ("encoded dot-dot upper case", f"/%2E%2E/{UP}"),
    ("half-encoded dot-dot", f"/.%2e/{UP}"),
    ("other half-encoded dot-dot", f"/%2e./{UP}"),
    ("encoded dot-dot below a directory", f"/sub/%2e%2e/%2e%2e/{UP}"),
    ("encoded slash after dot-dot", "/..%2foutside%2fsecret.txt"),
    ("all encoded", "/%2e%2e%2foutside%2fsecret.txt"),
    ("encoded slashes below a directory", "/sub%2f..%2f..%2foutside%2fsecret.txt"),
    ("double-encoded dot-dot", f"/%252e%252e/{UP}"),
    ("double-encoded slash", "/..%252foutside%252fsecret.txt"),
    ("encoded percent of dots", f"/%25%32%65%25%32%65/{UP}"),
    # backslashes
    ("backslash", "/..\\outside\\secret.txt"),
    ("encoded backslash", "/..%5coutside%5csecret.txt"),
    ("encoded backslash below a directory", f"/sub/..%5c..%5c{UP}"),
    ("backslash dot-dot after slash", f"/sub\\..\\..\\{UP}"),
    # NUL
    ("encoded nul", "/index.html%00"),
    ("encoded nul before an extension", "/sub/file.txt%00.html"),
    ("encoded nul then dot-dot", f"/%00/../{UP}"),
    # overlong UTF-8 encodings of '.' and '/'
    ("overlong dots", f"/%c0%ae%c0%ae/{UP}"),
    ("overlong dots below a directory", f"/sub/%c0%ae%c0%ae/%c0%ae%c0%ae/{UP}"),
    ("overlong slash", "/..%c0%afoutside%c0%afsecret.txt"),
    ("three-byte overlong dots", f"/%e0%80%ae%e0%80%ae/{UP}"),
    ("overlong dot with bad continuation", f"/%c0%2e%c0%2e/{UP}"),
    ("raw overlong dots", f"/\xc0\xae\xc0\xae/{UP}"),
    # alias
    ("dot-dot in alias", f"/static/../../{UP}"),
    ("encoded dot-dot in alias", f"/static/%2e%2e/%2e%2e/{UP}"),
    ("encoded slashes in alias", "/static/..%2f..%2foutside%2fsecret.txt"),
    ("alias prefix without slash", f"/static../{UP}"),
    # request-target forms
    ("absolute-form dot-dot", f"http://main.test/../{UP}"),
    ("absolute-form encoded dot-dot", f"http://main.test/%2e%2e/{UP}"),
    ("target without slash", f"../{UP}"),
    # symlinks that leave the root
    ("symlink to a file outside, disable_symlinks on", "/nolinks/secret-link.txt"),
    ("symlinked directory outside, disable_symlinks on", "/nolinks/out/secret.txt"),
    ("symlink outside, from=$document_root", "/fromroot/secret-link.txt"),
    ("symlinked directory outside, from=$document_root", "/fromroot/out/secret.txt"),
    ("dot-dot through symlinked dir, disable_symlinks on", "/nolinks/out/../index.html"),
    # controls: inside the root (served, but for a symlink below the from= root: 403)
    ("inside root", "/sub/file.txt"),
    ("dot-dot staying inside", "/sub/../index.html"),
    ("encoded dot-dot staying inside", "/sub/%2e%2e/index.html"),
    ("symlink below the root, from=$document_root", "/fromroot/in-link.txt"),
]


def raw_case(target):
    return raw(target) if target.isascii() else request(target, "Connection: close")


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    base = tmp_path_factory.mktemp("traversal")
    make_tree(base)
    with nginx_and_strata(base, HTTP_BLOCK.replace("BASE", str(base))) as pair:
        yield pair


def test_the_table_is_large_enough():
    assert len(CASES) >= 40


@pytest.mark.parametrize("name,target", CASES, ids=[c[0] for c in CASES])
def test_nothing_outside_the_root_is_served(servers, name, target):
    nginx, strata = servers
    data = raw_case(target)
    theirs = observe(nginx, data)[0]
    ours = observe(strata, data)[0]
    assert ours, "strata sent no response"
    assert not any(b"SECRET" in body for _, _, body in ours), ours
    assert not any(b"SECRET" in body for _, _, body in theirs), theirs
    assert [r[0] for r in ours] == [r[0] for r in theirs]
