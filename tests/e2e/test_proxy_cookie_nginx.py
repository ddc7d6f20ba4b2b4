"""proxy_cookie_domain and proxy_cookie_path against Debian's nginx: both load the same
configuration in front of their own recording backend (proxy_backend.py), which answers
with the Set-Cookie fields a case names; the Set-Cookie fields each client gets, in
order, must be the same — and the ones the case expects, so that a rewrite both skip
does not pass unseen."""
import socket
from urllib.parse import quote

import pytest

from conftest import Nginx, Strata
from proxy_backend import Backend

HTTP_BLOCK = r"""
    access_log off;
    upstream backend { server BACKEND; }
    proxy_cookie_domain backend.test front.test;
    server {
        listen 127.0.0.1:PORT;
        server_name localhost;
        location /inherit/ { proxy_pass http://backend/; }
        location /off/ { proxy_cookie_domain off; proxy_pass http://backend/; }
        location /domain/ {
            proxy_cookie_domain backend.test $host;
            proxy_cookie_domain ~\.(?P<parent>[a-z]+\.internal)$ $parent;
            proxy_cookie_domain ~^(www)\.(.+)$ $2.$1;
            proxy_cookie_domain .dotted.test .replaced.test;
            proxy_pass http://backend/;
        }
        location /path/ {
            proxy_cookie_path /app/ /;
            proxy_cookie_path /app /first;
            proxy_cookie_path ~^/v(\d+)/(.*)$ /version$1/$2;
            proxy_cookie_path ~*^/CASE/ /lower/;
            proxy_cookie_path /$arg_from/ /$arg_to/;
            proxy_pass http://backend/;
        }
        location ~ ^/captured/(\w+)/ {
            proxy_cookie_path /x/ /$1/;
            proxy_pass http://backend;
        }
    }
"""

# (name, path, Set-Cookie values the backend sends, what the client should get).
CASES = [
    ("inherited_domain", "/inherit/", ["id=1; Domain=backend.test; Path=/"],
     ["id=1; Domain=front.test; Path=/"]),
    ("domain_dot_and_case", "/inherit/", ["a=b; domain=.BACKEND.Test"], ["a=b; domain=.front.test"]),
    ("domain_no_match", "/inherit/", ["a=b;Domain=www.backend.test"], ["a=b;Domain=www.backend.test"]),
    ("domain_is_no_path", "/inherit/", ["a=b; Path=backend.test"], ["a=b; Path=backend.test"]),
    ("off_cancels_inherited", "/off/", ["a=b; Domain=backend.test"], ["a=b; Domain=backend.test"]),
    ("domain_variable", "/domain/", ["a=b; Domain=backend.test"], ["a=b; Domain=example.test"]),
    ("domain_named_capture", "/domain/", ["a=b; Domain=api.corp.internal; Secure"],
     ["a=b; Domain=corp.internal; Secure"]),
    ("domain_regex_captures", "/domain/", ["a=b; DOMAIN=WWW.site.test"], ["a=b; DOMAIN=site.test.WWW"]),
    ("domain_dots_dropped", "/domain/", ["a=b; Domain=.dotted.test", "c=d; Domain=dotted.test"],
     ["a=b; Domain=.replaced.test", "c=d; Domain=replaced.test"]),
    ("domain_level_replaces_inherited", "/domain/", ["a=b; Domain=front.test"],
     ["a=b; Domain=front.test"]),
    ("path_prefix", "/path/", ["s=1; Path=/app/x/y; HttpOnly"], ["s=1; Path=/x/y; HttpOnly"]),
    ("path_first_rule_wins", "/path/", ["s=1; Path=/apple"], ["s=1; Path=/firstle"]),
    ("path_case_sensitive_prefix", "/path/", ["s=1; Path=/APP/x"], ["s=1; Path=/APP/x"]),
    ("path_regex_captures", "/path/", ["s=1; path=/v2/items"], ["s=1; path=/version2/items"]),
    ("path_caseless_regex", "/path/", ["s=1; Path=/case/z"], ["s=1; Path=/lower/"]),
    ("path_variables", "/path/?from=old&to=new", ["s=1; Path=/old/z"], ["s=1; Path=/new/z"]),
    ("path_location_captures", "/captured/abc/", ["s=1; Path=/x/y"], ["s=1; Path=/abc/y"]),
    ("path_not_inherited_domain", "/path/", ["s=1; Domain=backend.test; PATH=/app/"],
     ["s=1; Domain=front.test; PATH=/"]),
    ("spacing_normalised", "/path/", ["s = 1 ;path = /app/a ;HttpOnly;;  Secure;"],
     ["s=1; path=/a; HttpOnly; ; Secure; "]),
    ("untouched_spacing_kept", "/path/", ["s = 1 ;path = /other ;HttpOnly"],
     ["s = 1 ;path = /other ;HttpOnly"]),
    ("no_attributes", "/path/", ["s=1"], ["s=1"]),
    ("cookie_without_value", "/path/", ["flag; Path=/app/x"], ["flag; Path=/app/x"]),
    ("cookie_named_path", "/path/", ["path=/app/x"], ["path=/app/x"]),
    ("attribute_without_value", "/path/", ["s=1; Path; Domain"], ["s=1; Path; Domain"]),
    ("several_fields", "/path/", ["a=1; Path=/app/", "b=2", "c=3; Path=/v9/q; Max-Age=5"],
     ["a=1; Path=/", "b=2", "c=3; Path=/version9/q; Max-Age=5"]),
    ("two_path_attributes", "/path/", ["a=1; Path=/app/p; Path=/v1/q"], ["a=1; Path=/p; Path=/version1/q"]),
]


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    base = tmp_path_factory.mktemp("proxy-cookie")
    sides = {}
    for name in ("nginx", "strata"):
        backend = Backend(name)
        block = HTTP_BLOCK.replace("BACKEND", backend.address)
        (base / name).mkdir()
        server = Nginx(base / name, block) if name == "nginx" else Strata(base / name, block)
        sides[name] = (server, backend)
    yield sides
    for server, backend in sides.values():
        server.stop()
        backend.stop()


def set_cookies(port, path, cookies):
    query = "&".join("cookie=" + quote(c, safe="") for c in cookies)
    target = path + ("&" if "?" in path else "?") + query
    request = f"GET {target} HTTP/1.0\r\nHost: example.test\r\n\r\n".encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head = data.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    assert head[0].startswith("HTTP/1.1 200"), head
    return [line.split(": ", 1)[1] for line in head[1:] if line.lower().startswith("set-cookie:")]


@pytest.mark.parametrize("name,path,sent,expected", CASES, ids=[c[0] for c in CASES])
def test_set_cookie_as_nginx(pair, name, path, sent, expected):
    got = {side: set_cookies(server.port, path, sent) for side, (server, _) in pair.items()}
    assert got["nginx"] == expected, "nginx 1.22 does otherwise than the case expects"
    assert got["strata"] == got["nginx"]
