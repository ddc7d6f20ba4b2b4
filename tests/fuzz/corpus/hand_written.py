#!/usr/bin/python3
"""Writes the hand-written fuzz seeds (run from anywhere; rewrites the files it owns).

Each target's input layout is described at the top of its tests/fuzz/<target>_fuzz.cpp;
the control bytes here follow it.
"""

import struct
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = HERE.parent.parent.parent / "examples" / "seed"

REQUESTS = {
    "get": b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
    "get-leading-crlf": b"\r\nGET /a?b=c HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
    "http10-keepalive": b"GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    "http09": b"GET /index.html\r\n",
    "post-length": b"POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
                   b"Content-Type: text/plain\r\n\r\nhello",
    "post-chunked": b"POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                    b"5\r\nhello\r\n0\r\n\r\n",
    "pipelined": b"GET /1 HTTP/1.1\r\nHost: h\r\n\r\nPUT /2 HTTP/1.1\r\nHost: h\r\n"
                 b"Content-Length: 3\r\n\r\nabcGET /3 HTTP/1.1\r\nHost: h\r\n\r\n",
    "absolute-form": b"GET http://user@example.com:8080/p?q HTTP/1.1\r\nHost: x\r\n\r\n",
    "connect": b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
    "connect-ipv6": b"CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n",
    "options-star": b"OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n",
    "te-gzip-chunked": b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
    "te-and-length": b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                     b"Content-Length: 3\r\n\r\n",
    "te-identity": b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity\r\n"
                   b"Content-Length: 3\r\n\r\nabc",
    "length-repeated": b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
                       b"Content-Length: 3\r\n\r\nabc",
    "underscore": b"GET / HTTP/1.1\r\nHost: h\r\nX_Forwarded_For: 1.2.3.4\r\n\r\n",
    "expect": b"PUT /f HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 9\r\n\r\n",
    "obs-fold": b"GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n",
    "bare-lf": b"GET / HTTP/1.1\nHost: h\n\n",
    "http2-version": b"GET / HTTP/2.0\r\nHost: h\r\n\r\n",
    "obs-text": b"GET /\xc3\xa9 HTTP/1.1\r\nHost: h\r\nX: \xc3\xa9\r\n\r\n",
}

CHUNKED = {
    "one-chunk": b"5\r\nhello\r\n0\r\n\r\n",
    "several": b"3\r\nabc\r\n1\r\nd\r\nA\r\n0123456789\r\n0\r\n\r\n",
    "extensions": b"4;name=value;q=\"a b\"\r\nwiki\r\n0;last\r\n\r\n",
    "trailers": b"2\r\nhi\r\n0\r\nExpires: never\r\nX-Sum: 1\r\n\r\n",
    "forbidden-trailer": b"0\r\nContent-Length: 3\r\n\r\n",
    "upper-hex": b"1F\r\n" + b"x" * 31 + b"\r\n0\r\n\r\n",
    "overflow": b"10000000000000000\r\n",
    "missing-crlf": b"3\r\nabcX0\r\n\r\n",
    "bare-lf": b"3\nabc\n0\n\n",
}

TARGETS = [
    "/", "/index.html", "/a/b/../c", "/a/./b/", "/%2e%2e/etc/passwd", "/a//b///c",
    "/static/img/logo.png", "/static/../x", "/exact", "/notes.txt", "/nested/deeper/f",
    "/%41%42?q=/../x#frag", "http://example.com/a/../b", "/a%00b", "/a%2", "/..",
    "/a/b/c/../../../..", "/%2F%2e%2E%2f",
]

RANGES = [  # (size, flags, Range [LF If-Range])
    (1000, 0, b"bytes=0-99"),
    (1000, 0, b"bytes=-500"),
    (1000, 0, b"bytes=900-"),
    (1000, 0, b"bytes=0-0,10-20, 30-40"),
    (1000, 0, b"bytes=5000-"),
    (0, 0, b"bytes=0-"),
    (1000, 0, b"bytes=0-99\n\"6b04eb9f-c\""),
    (1000, 0, b"bytes=0-99\nSun, 06 Nov 1994 08:49:37 GMT"),
    (1000, 8, b"bytes=0-99\nW/\"6b04eb9f-c\""),
    (1000, 2, b"bytes=0-1,3-4"),
    (1000, 4, b"bytes=0-1,3-4"),
    (1000, 0, b"bytes=0-999,0-999"),
    (1000, 0, b"BYTES= 1 - 2 , 4-"),
    (2**63 - 1, 0, b"bytes=9223372036854775806-"),
]

CONDITIONALS = [  # (flags, Last-Modified, ETag, If-Match, If-None-Match, IMS, IUS)
    (0, 784111777, [b"\"abc\"", b"\"abc\"", b"", b"", b""]),
    (0, 784111777, [b"\"abc\"", b"*"]),
    (0, 784111777, [b"W/\"abc\"", b"\"x\", W/\"abc\""]),
    (0, 784111777, [b"\"abc\"", b"", b"\"a\", \"abc\""]),
    (2, 784111777, [b"\"abc\"", b"", b"*"]),
    (0, 784111777, [b"", b"", b"", b"Sun, 06 Nov 1994 08:49:37 GMT"]),
    (8, 784111777, [b"", b"", b"", b"Sunday, 06-Nov-94 08:49:37 GMT"]),
    (0, 784111777, [b"", b"", b"", b"Sun Nov  6 08:49:37 1994"]),
    (0, 784111777, [b"", b"", b"", b"", b"Sun, 06 Nov 1994 08:49:36 GMT"]),
    (4, 253402300799, [b"\"z\"", b"", b"", b"Fri, 31 Dec 9999 23:59:59 GMT"]),
    (0, -1, [b"", b"", b"", b"Mon, 30 Feb 2015 00:00:00 GMT"]),
]


CONFIGS = {
    "locations.conf": rb"""
worker_processes auto;
error_log stderr info;
events { worker_connections 64; multi_accept on; }
http {
    log_format main '$remote_addr [$time_local] "$request" $status $body_bytes_sent';
    access_log logs/access.log main;
    types { text/html html; image/png png; }
    default_type application/octet-stream;
    etag off; if_modified_since before; max_ranges 2; server_tokens off;
    gzip on; gzip_types text/css; gzip_min_length 10; gzip_comp_level 6;
    server {
        listen 127.0.0.1:8080 default_server;
        listen [::1]:8081;
        listen unix:/tmp/strata.sock;
        server_name example.com *.example.com ~^(?<sub>\w+)\.example\.org$;
        root /srv/www;
        index index.html;
        error_page 404 /404.html;
        error_page 500 502 =200 @fallback;
        add_header X-Frame-Options DENY always;
        expires 1h;
        client_max_body_size 10m;
        location = / { return 301 https://$host$request_uri; }
        location ^~ /static/ { alias /srv/assets/; autoindex on; }
        location ~* \.(png|jpg)$ { expires max; log_not_found off; }
        location /app/ {
            try_files $uri $uri/ /index.php?$args;
            location /app/admin/ { allow 127.0.0.1; deny all; }
        }
        location @fallback { return 200 "fallback\n"; }
        location /old { rewrite ^/old/(.*)$ /new/$1 permanent; }
        location /if { set $x 1; if ($request_method = POST) { return 405; } }
        disable_symlinks if_not_owner from=$document_root;
    }
    upstream backend { least_conn; server 127.0.0.1:9000 weight=2; keepalive 8; }
}
""",
    "empty-name.conf": b'"";\n"" { x; }\nhttp { ""; }\n',
    "errors.conf": b"http { server { listen 99999; location { } } ",
    "quotes.conf": b"http {\n  # comment\n  server { server_name \"a b\" 'c\\'d' e\\ f; return 200 \"${host}x\"; }\n}\n",
}


def write(target, name, data):
    folder = HERE / target
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(data)


def main():
    for name, wire in REQUESTS.items():
        write("request_parser", name, bytes([0x01, 0x40, 0xA0]) + wire)
        write("request_parser", name + "-small-limits", bytes([0x11, 0x10, 0x80]) + wire)
        write("request_differential", name, bytes([0x01]) + wire)
    for name, body in CHUNKED.items():
        write("chunked_decoder", name, bytes([0x00, 0x30, 0x90]) + body)
        write("chunked_decoder", name + "-limited", bytes([0x05, 0x80, 0xF0]) + body)
    for i, target in enumerate(TARGETS):
        write("uri_path", f"target-{i:02}", target.encode("latin-1"))
    for i, (size, flags, text) in enumerate(RANGES):
        write("byte_ranges", f"range-{i:02}", struct.pack(">Q", size) + bytes([flags]) + text)
    for i, (flags, modified, fields) in enumerate(CONDITIONALS):
        data = bytes([flags]) + struct.pack(">q", modified) + b"\n".join(fields)
        write("conditional", f"conditional-{i:02}", data)
    for name, text in CONFIGS.items():
        write("config", name, text)
    seed_conf = (SEED / "nginx.conf").read_bytes()
    write("config", "seed-nginx.conf", seed_conf)
    # The load refuses `include` (it would read files): the seed with its includes spliced.
    mime = (SEED / "mime.types").read_bytes()
    inlined = seed_conf.replace(b"include mime.types;", mime).replace(b"include servers/*;", b"")
    write("config", "seed-inlined.conf", inlined)


if __name__ == "__main__":
    main()
