"""The seed's telnet example, `GET /path/to/resource HTTP/1.0`, answered correctly."""
import subprocess

from conftest import exchange, read_response, require_tool


def test_raw_http10_request_gets_a_full_response_and_close(strata):
    with strata.connect() as sock:
        reply = exchange(sock, b"GET /path/to/resource HTTP/1.0\r\n\r\n")
    head, _, body = reply.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"HTTP/1.1 200 OK"
    assert b"Content-Length: 24" in lines
    assert b"Connection: close" in lines
    assert any(line.startswith(b"Date: ") and line.endswith(b" GMT") for line in lines)
    assert any(line.startswith(b"Server: strata/") for line in lines)
    assert body == b"You found the resource.\n"  # and the server closed: exchange returned


def test_curl_http10(strata):
    curl = require_tool("curl")
    out = subprocess.run([curl, "-sS", "--http1.0", "-D", "-", f"{strata.url}/path/to/resource"],
                         capture_output=True, check=True, timeout=10).stdout
    assert out.startswith(b"HTTP/1.1 200 OK\r\n")
    assert out.endswith(b"\r\n\r\nYou found the resource.\n")


def test_http09_simple_request_gets_the_body_only(strata):
    with strata.connect() as sock:
        assert exchange(sock, b"GET /path/to/resource\r\n") == b"You found the resource.\n"


def test_http10_keep_alive_when_asked(strata):
    with strata.connect() as sock:
        sock.sendall(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        status, headers, body, _ = read_response(sock)
        assert (status, headers["connection"], body) == (200, "keep-alive", b"Hello World\n")
        sock.sendall(b"GET /path/to/resource HTTP/1.0\r\n\r\n")
        status, headers, body, _ = read_response(sock)
        assert headers["connection"] == "close"
        assert body == b"You found the resource.\n"
