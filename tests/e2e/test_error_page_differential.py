"""error_page where the request never reached a location, error pages of non-GET
requests, nested locations under an alias and the type of `return` text, compared with
Debian's nginx on the same http{} block (the differential test's machinery).

nginx applies the default server's error_page to requests it refuses while reading
them (bad Host, a target too long, a body too large, a bad Content-Length), ends the
connection after 400, 413 and 414 even when a page of the site answers them, and turns
a POST into a GET for the redirect to its error page.
"""
import pytest

from test_nginx_differential import differences, make_site, nginx_and_strata, request

HTTP_BLOCK = r"""
    server_tokens off;
    default_type application/octet-stream;
    types {
        text/html html;
        text/plain txt;
        application/json json;
    }
    server {
        listen 127.0.0.1:PORT default_server;
        server_name main.test;
        root ROOT;
        error_page 400 414 /404.html;
        error_page 404 /404.html;
        error_page 413 =200 /index.html;
        location / { }
        location = /data.json { return 200 "{}\n"; }
        location = /plain { return 200 "no extension\n"; }
        location = /bare.json { return 403; }
        location /nest/ {
            alias ROOT/assets/;
            location ~ \.txt$ { add_header X-Nested yes; }
        }
        location /small { client_max_body_size 10; }
    }
    server {
        listen 127.0.0.1:PORT;
        server_name plain.test;
        root ROOT;
        location / { }
    }
"""

LONG_TARGET = "/" + "a" * 9000

CASES = [
    ("bad host answered by error_page, then closed", request("/", host="bad/host")),
    ("bad host on keep-alive: the next request is not read",
     request("/", host="bad/host") + request("/index.html")),
    ("target too long answered by error_page",
     f"GET {LONG_TARGET} HTTP/1.1\r\nHost: main.test\r\n\r\n".encode()),
    ("bad content-length answered by error_page",
     request("/", "Content-Length: x")),
    ("body too large answered by error_page with =200",
     request("/small/x", "Content-Length: 100", method="POST") + b"x" * 100),
    ("post to a missing file gets the error page, not 405",
     request("/missing", "Content-Length: 1", method="POST") + b"x"),
    ("head to a missing file gets the error page's head",
     request("/missing", method="HEAD")),
    ("a server without error_page answers 400 with its own page",
     request("/", "Content-Length: x", host="plain.test")),
    ("file under a nested location inherits the alias", request("/nest/readme.txt")),
    ("css under the alias location", request("/nest/logo.css")),
    ("return text takes its type from the uri's extension", request("/data.json")),
    ("return text without extension takes default_type", request("/plain")),
    ("return of an error status keeps the error page's type", request("/bare.json")),
]


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    base = tmp_path_factory.mktemp("error-pages")
    make_site(base / "html")
    with nginx_and_strata(base, HTTP_BLOCK.replace("ROOT", str(base / "html"))) as pair:
        yield pair


@pytest.mark.parametrize("name,raw", CASES, ids=[case[0] for case in CASES])
def test_strata_answers_like_nginx(servers, name, raw):
    assert differences(servers, raw) == []
