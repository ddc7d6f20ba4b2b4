"""`strata -t` and `nginx -t` on the same proxy_pass and proxy_* configurations: both
accept the good ones, and for a bad one both fail with the same message at the same
file:line. (An unknown variable is left out: nginx names no file:line for it, strata
does, as for every directive.)"""
import pytest

from conftest import NGINX_BIN, STRATA_BIN
from test_upstream_config import emerg, run_test

UPSTREAM = "upstream backend { server 127.0.0.1:8001; keepalive 4; }\n"

GOOD = [
    "server { location / { proxy_pass http://backend; } }",
    "server { location /a/ { proxy_pass http://backend/b/; proxy_redirect default; } }",
    "server { location = /x { proxy_pass http://127.0.0.1:8002/y; } }",
    "server { location ~ ^/r { proxy_pass http://backend; } }",
    "server { location @named { proxy_pass http://unix:/run/app.sock; } }",
    "server { location / { proxy_pass http://unix:/run/app.sock:/sub/; } }",
    "server { location / { proxy_pass http://$host$request_uri; } }",
    "server { location / { if ($arg_x) { proxy_pass http://backend; } proxy_pass http://backend/; } }",
    "proxy_http_version 1.1; proxy_set_header Connection \"\"; proxy_buffering off;\n"
    "proxy_buffers 16 8k; proxy_buffer_size 8k; proxy_read_timeout 5s;\n"
    "proxy_next_upstream error timeout http_502 non_idempotent; proxy_next_upstream_tries 3;\n"
    "server { location / { proxy_pass http://backend; proxy_hide_header X-Powered-By;"
    " proxy_pass_header Server; proxy_intercept_errors on; } }",
    "proxy_cookie_domain off; proxy_cookie_path off;\n"
    "server { proxy_cookie_domain .a.test $host; proxy_cookie_domain ~^(.+)\\.b$ $1;\n"
    "location / { proxy_cookie_path ~*^/(?<p>.*)$ /x/$p; proxy_cookie_path /a /b;"
    " proxy_pass http://backend; } }",
]

BAD = [
    "server {\nlocation ~ ^/r {\nproxy_pass http://backend/x;\n}\n}",
    "server {\nlocation @n {\nproxy_pass http://backend/x;\n}\n}",
    "server {\nlocation / {\nif ($arg_x) {\nproxy_pass http://backend/x;\n}\n}\n}",
    "server {\nlocation / {\nproxy_pass backend;\n}\n}",
    "server {\nlocation / {\nproxy_pass http://backend:8080;\n}\n}",
    "server {\nlocation / {\nproxy_pass http://backend; proxy_pass http://backend;\n}\n}",
    "server {\nproxy_pass http://backend;\n}",
    "server {\nlocation / {\nproxy_pass http://127.0.0.1:99999;\n}\n}",
    "server {\nlocation / {\nproxy_pass http://nosuchhost.invalid;\n}\n}",
    "proxy_http_version 2.0;",
    "proxy_next_upstream error http_501;",
    "proxy_buffering maybe;",
    "proxy_read_timeout 5x;",
    "proxy_buffers 0 4k;",
    "proxy_set_header X;",
    "proxy_cookie_domain on;",
    "proxy_cookie_path /a /b;\nproxy_cookie_path off;",
    "proxy_cookie_domain off;\nproxy_cookie_domain a b;",
    "proxy_cookie_path off;\nproxy_cookie_path off;",
    "proxy_cookie_path ~( /x;",
    "proxy_cookie_domain ~*a b;",
    "proxy_cookie_path /a /b /c;",
    "server {\nlocation / {\nproxy_cookie_domain;\n}\n}",
]


@pytest.mark.parametrize("http_body", GOOD)
def test_both_accept(tmp_path, http_body):
    for binary in (NGINX_BIN, STRATA_BIN):
        result = run_test(binary, tmp_path, UPSTREAM + http_body)
        assert result.returncode == 0, (binary, result.stderr)


@pytest.mark.parametrize("http_body", BAD)
def test_same_error_as_nginx(tmp_path, http_body):
    expected = run_test(NGINX_BIN, tmp_path, UPSTREAM + http_body)
    assert expected.returncode != 0, expected.stderr
    assert emerg(expected.stderr), expected.stderr
    got = run_test(STRATA_BIN, tmp_path, UPSTREAM + http_body)
    assert got.returncode != 0, got.stderr
    assert emerg(got.stderr) == emerg(expected.stderr), (got.stderr, expected.stderr)
