"""Request smuggling: framing attacks sent raw to strata, with a WSGI app behind it (in
the same process, wsgi_app) that records every request it is given.

Each attack hides a second request, `GET /smuggled`, where a server that framed the
message differently from strata would see it (in a body, behind a bad line, after a
misread length), and is followed on the same connection by an innocent `GET /canary`.
For every attack: strata answers with the status in the table (rejected ones close the
connection and leave the canary unanswered), and the app never sees /smuggled nor more
requests than strata answered. RFC 9112 §6 and §11.2 decide what is refused.
"""
import os
import re
import socket
import time

import pytest

from conftest import Strata

SMUGGLED = b"GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
CANARY = b"GET /canary HTTP/1.1\r\nHost: a\r\n\r\n"
HIDDEN = b"0\r\n\r\n" + SMUGGLED  # a chunked end, then the hidden request
# A well-framed chunked body whose data is the hidden request: seen only by a server that
# does not read it as chunked.
IN_CHUNK = b"%x\r\n" % len(SMUGGLED) + SMUGGLED + b"\r\n0\r\n\r\n"


def post(*headers, body=b"", line=b"POST /target HTTP/1.1"):
    return line + b"\r\n" + b"".join(h + b"\r\n" for h in (b"Host: a",) + headers) + b"\r\n" + body


def chunked(*headers, body):
    return post(b"Transfer-Encoding: chunked", *headers, body=body)


# (name, bytes, status of the first answer, whether the canary behind it is answered)
ATTACKS = [
    # Content-Length and Transfer-Encoding together (RFC 9112 §6.1: reject or TE wins)
    ("CL and TE chunked", post(b"Content-Length: 40", b"Transfer-Encoding: chunked",
                               body=HIDDEN), 400, False),
    ("TE chunked and CL", post(b"Transfer-Encoding: chunked", b"Content-Length: 5",
                               body=HIDDEN), 400, False),
    ("CL zero and TE", post(b"Content-Length: 0", b"Transfer-Encoding: chunked",
                            body=HIDDEN), 400, False),
    # Transfer-Encoding obfuscations
    ("TE chunked, identity", post(b"Transfer-Encoding: chunked, identity", body=HIDDEN), 400, False),
    ("TE identity, chunked", post(b"Transfer-Encoding: identity, chunked", body=IN_CHUNK),
     200, True),
    ("TE chunked twice", post(b"Transfer-Encoding: chunked, chunked", body=HIDDEN), 400, False),
    ("TE on two lines, chunked first", post(b"Transfer-Encoding: chunked",
                                            b"Transfer-Encoding: gzip", body=HIDDEN), 400, False),
    ("TE xchunked", post(b"Transfer-Encoding: xchunked", body=HIDDEN), 501, False),
    ("TE chunkedx", post(b"Transfer-Encoding: chunkedx", body=HIDDEN), 501, False),
    ("TE quoted", post(b'Transfer-Encoding: "chunked"', body=HIDDEN), 501, False),
    ("TE with leading space (OWS)", post(b"Transfer-Encoding:  chunked", body=IN_CHUNK),
     200, True),
    ("TE with trailing tab (OWS)", post(b"Transfer-Encoding: chunked\t", body=IN_CHUNK),
     200, True),
    ("TE upper case", post(b"Transfer-Encoding: CHUNKED", body=IN_CHUNK), 200, True),
    ("TE name with space before colon", post(b"Transfer-Encoding : chunked",
                                             b"Content-Length: 5", body=HIDDEN), 400, False),
    ("TE name with underscore is dropped", post(b"Transfer_Encoding: chunked",
                                                b"Content-Length: 5", body=HIDDEN[:5]), 200, True),
    ("TE folded onto the next line", post(b"Transfer-Encoding:", b" chunked", body=HIDDEN),
     400, False),
    ("TE on HTTP/1.0", post(b"Transfer-Encoding: chunked", body=HIDDEN,
                            line=b"POST /target HTTP/1.0"), 400, False),
    ("TE gzip, chunked (no gzip decoding)", post(b"Transfer-Encoding: gzip, chunked",
                                                 body=HIDDEN), 501, False),
    ("TE in a trailer", chunked(body=b"0\r\nTransfer-Encoding: chunked\r\n\r\n" + SMUGGLED),
     400, False),
    ("CL in a trailer", chunked(body=b"0\r\nContent-Length: 5\r\n\r\n" + SMUGGLED), 400, False),
    # Content-Length variants
    ("duplicate differing CL", post(b"Content-Length: 5", b"Content-Length: 40", body=HIDDEN),
     400, False),
    ("CL list of differing values", post(b"Content-Length: 5, 40", body=HIDDEN), 400, False),
    ("CL with plus sign", post(b"Content-Length: +5", body=HIDDEN), 400, False),
    ("CL negative", post(b"Content-Length: -5", body=HIDDEN), 400, False),
    ("CL hex", post(b"Content-Length: 0x5", body=HIDDEN), 400, False),
    ("CL with inner space", post(b"Content-Length: 1 0", body=HIDDEN), 400, False),
    ("CL overflowing 64 bits", post(b"Content-Length: 99999999999999999999", body=HIDDEN),
     400, False),
    ("CL empty", post(b"Content-Length:", body=HIDDEN), 400, False),
    ("duplicate equal CL", post(b"Content-Length: 5", b"Content-Length: 5", body=HIDDEN[:5]),
     200, True),
    # chunk framing
    ("chunk size overflow", chunked(body=b"ffffffffffffffffff1\r\nx\r\n" + HIDDEN), 400, False),
    ("chunk size with 0x", chunked(body=b"0x5\r\nhello\r\n" + HIDDEN), 400, False),
    ("chunk size with leading space", chunked(body=b" 5\r\nhello\r\n" + HIDDEN), 400, False),
    ("chunk size negative", chunked(body=b"-5\r\nhello\r\n" + HIDDEN), 400, False),
    ("chunk data longer than its size", chunked(body=b"3\r\nhello\r\n" + HIDDEN), 400, False),
    ("chunk without CRLF after data", chunked(body=b"5\r\nhelloX0\r\n\r\n" + SMUGGLED),
     400, False),
    ("chunk extension with bare LF", chunked(body=b"5;a=b\nhello\r\n" + HIDDEN), 400, False),
    ("chunk extension with control byte", chunked(body=b"5;a=\x01\r\nhello\r\n" + HIDDEN),
     400, False),
    ("valid chunk extension", chunked(body=b"5;name=value\r\nhello\r\n0\r\n\r\n"), 200, True),
    # line endings and bytes that some parsers skip
    ("bare LF line endings", b"POST /target HTTP/1.1\nHost: a\nContent-Length: 40\n\n" + HIDDEN,
     400, False),
    ("bare CR in a header", post(b"X: a\rContent-Length: 40", body=HIDDEN), 400, False),
    ("NUL in a header", post(b"Content-Length: 5\x00", body=HIDDEN), 400, False),
    ("obs-fold continuing Content-Length", post(b"Content-Length: 4", b" 0", body=HIDDEN),
     400, False),
    ("header name with a tab", post(b"Content\tLength: 40", body=HIDDEN), 400, False),
    ("header without a colon", post(b"Content-Length 40", body=HIDDEN), 400, False),
    # targets and request lines
    ("absolute-form target", b"GET http://a/target HTTP/1.1\r\nHost: b\r\n\r\n", 200, True),
    ("request line with two spaces", b"GET  /target HTTP/1.1\r\nHost: a\r\n\r\n" + SMUGGLED,
     400, False),
    ("smuggled request line in the target", b"GET /target HTTP/1.1\rGET /smuggled HTTP/1.1\r\n"
     b"Host: a\r\n\r\n", 400, False),
    ("two Host headers", b"GET /target HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, False),
    ("missing Host on HTTP/1.1", b"GET /target HTTP/1.1\r\n\r\n", 400, False),
    # pipelining behind an error: nothing after a refused request is read
    ("pipelined request behind a bad header", post(b"Bad Header: x", body=b"") + SMUGGLED,
     400, False),
    ("pipelined request behind a too-large body", post(b"Content-Length: 2000000") + SMUGGLED,
     413, False),
]

RECORDER = '''
import os

def app(environ, start_response):
    body = environ["wsgi.input"].read()
    with open(os.environ["STRATA_RECORD"], "a") as log:
        log.write("%s %s %d\\n" % (environ["REQUEST_METHOD"], environ["PATH_INFO"], len(body)))
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]
'''


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base = tmp_path_factory.mktemp("smuggling")
    apps = base / "apps"
    apps.mkdir()
    (apps / "recorder.py").write_text(RECORDER)
    record = base / "record.log"
    block = f"""
        wsgi_chdir {apps};
        server {{
            listen 127.0.0.1:PORT;
            client_max_body_size 1m;
            location / {{ wsgi_app recorder:app; }}
        }}"""
    os.environ["STRATA_RECORD"] = str(record)  # the app reads it; strata passes it on
    try:
        strata = Strata(base, block)
    finally:
        del os.environ["STRATA_RECORD"]
    strata.record = record
    yield strata
    strata.stop()


def replies(port, data, quiet=1.0):
    """Every byte the server sends until it closes or stays quiet for `quiet` seconds."""
    with socket.create_connection(("127.0.0.1", port), timeout=quiet) as sock:
        sock.sendall(data)
        out = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except (socket.timeout, ConnectionResetError):
                return out
            if not chunk:
                return out
            out += chunk


def statuses(data):
    # Responses follow each other with no separator: a status line may start mid-line.
    return [int(code) for code in re.findall(rb"HTTP/1\.1 (\d{3}) ", data)]


def recorded(server):
    return server.record.read_text().splitlines() if server.record.exists() else []


def test_the_table_is_large_enough():
    assert len(ATTACKS) >= 40


@pytest.mark.parametrize("name,data,status,canary", ATTACKS, ids=[a[0] for a in ATTACKS])
def test_attack_is_refused_or_framed_once(server, name, data, status, canary):
    before = len(recorded(server))
    answer = replies(server.port, data + CANARY)
    time.sleep(0.1)
    seen = recorded(server)[before:]
    got = statuses(answer)
    assert got[:1] == [status], answer[:300]
    assert len(got) == (2 if canary else 1), answer[:600]
    assert not any("/smuggled" in line for line in seen)
    # The app saw exactly the requests strata answered with the app's 200s.
    assert len(seen) == got.count(200)
