"""`strata -t` and `nginx -t` on the same upstream {} blocks: both accept the good ones,
and for a bad one both fail with the same message at the same file:line."""
import re
import subprocess

import pytest

from conftest import NGINX_BIN, STRATA_BIN

GOOD = [
    "upstream u { server 127.0.0.1:8001 weight=3 max_fails=2 fail_timeout=30s max_conns=9; }",
    "upstream u { least_conn; server localhost:8002; server unix:/run/a.sock backup down; }",
    "upstream u { hash $request_uri consistent; server [::1]:9000; server 127.0.0.1 down; }",
    "upstream u { ip_hash; server 127.0.0.1 weight=2; keepalive 8; keepalive_requests 50;"
    " keepalive_timeout 5s; keepalive_time 1h; }",
    "upstream u:80 { server 127.0.0.1:080; zone z 64k; }",
]

BAD = [
    "upstream u {\n\n}",
    "upstream u { server 127.0.0.1; }\nupstream U { server 127.0.0.1; }",
    "upstream u {\nserver 127.0.0.1 backup;\n}",
    "upstream u { server 127.0.0.1 backup; hash $uri; }",
    "upstream u { ip_hash; server 127.0.0.1 backup; }",
    "upstream u { hash $uri; server 127.0.0.1 backup; }",
    "upstream u { hash $uri other; server 127.0.0.1; }",
    "upstream u { server 127.0.0.1 weight=0; }",
    "upstream u { server 127.0.0.1 max_fails=x; }",
    "upstream u { server 127.0.0.1 fail_timeout=500ms; }",
    "upstream u { server 127.0.0.1 max_conns=-1; }",
    "upstream u { server 127.0.0.1 slow_start=10s; }",
    "upstream u { server 127.0.0.1:0; }",
    "upstream u { server 127.0.0.1:80:90; }",
    "upstream u { server [::1; }",
    "upstream u { server [fe80::1%lo]:80; }",
    "upstream u { server 127.0.0.1/x; }",
    "upstream u { server :80; }",
    "upstream u { server unix:; }",
    "upstream u { server nosuchhost.invalid; }",
    "upstream u { server 127.0.0.1; keepalive 0; }",
    "upstream u { server 127.0.0.1; keepalive 1; keepalive 2; }",
    "upstream u { server 127.0.0.1; keepalive_timeout x; }",
    "upstream u { server 127.0.0.1; keepalive_requests x; }",
    "upstream u { hash; server 127.0.0.1; }",
    "upstream u { server; }",
    "server { upstream u { server 127.0.0.1; } }",
    "upstream u { listen 80; }",
]


def run_test(binary, tmp_path, http_body):
    if not binary.exists():
        pytest.fail(f"{binary} is missing: run scripts/install-deps")
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"events {{}}\nhttp {{\n{http_body}\n}}\n")
    (tmp_path / "logs").mkdir(exist_ok=True)
    return subprocess.run([str(binary), "-t", "-p", f"{tmp_path}/", "-c", str(conf)],
                          capture_output=True, text=True, timeout=30)


def emerg(stderr):
    found = re.search(r"\[emerg\] (?:\d+#\d+: )?(.*)", stderr)
    return found.group(1) if found else None


@pytest.mark.parametrize("http_body", GOOD)
def test_both_accept(tmp_path, http_body):
    for binary in (NGINX_BIN, STRATA_BIN):
        result = run_test(binary, tmp_path, http_body)
        assert result.returncode == 0, (binary, result.stderr)


@pytest.mark.parametrize("http_body", BAD)
def test_same_error_as_nginx(tmp_path, http_body):
    expected = run_test(NGINX_BIN, tmp_path, http_body)
    assert expected.returncode != 0, expected.stderr
    assert emerg(expected.stderr), expected.stderr
    got = run_test(STRATA_BIN, tmp_path, http_body)
    assert got.returncode != 0, got.stderr
    assert emerg(got.stderr) == emerg(expected.stderr), (got.stderr, expected.stderr)
