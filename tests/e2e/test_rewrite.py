"""Differential test of the rewrite module: nginx 1.22 and strata load the same http{}
block (rewrite with each flag, args handling, set, if with every condition kind, break,
server-level rewrites, the 10-change limit, numbered and named captures) and must
answer each request the same way.
"""
import os
import urllib.error
import urllib.request

import pytest

from conftest import Strata, config_test_by_nginx_and_strata
from test_nginx_differential import differences, nginx_and_strata, request

SITE = {
    "index.html": b"Hello World\n",
    "docs/index.html": b"<h1>docs index</h1>\n",
    "docs/guide.html": b"<h1>guide</h1>\n",
    "files/a.txt": b"file a\n",
    "files/sub/.keep": b"",
    "files/run.sh": b"#!/bin/sh\n",
}

HTTP_BLOCK = r"""
    server_tokens off;
    default_type text/plain;
    server {
        listen 127.0.0.1:PORT default_server;
        server_name main.test;
        root ROOT;
        rewrite ^/srv-old/(.*)$ /docs/$1 last;
        rewrite ^/srv-plain$ /show/from-server;
        if ($http_x_block) { return 403; }
        set $srv_var "server-set";

        location / { }
        location /show/ { return 200 "show uri=$uri args=$args 1=$1\n"; }

        location /last/ { rewrite ^/last/(.*)$ /show/$1 last; return 500; }
        location /break/ { rewrite ^/break/(.*)$ /docs/$1 break; return 500; }
        location /redir/ { rewrite ^/redir/(.*)$ /docs/$1 redirect; }
        location /perm/ { rewrite ^/perm/(.*)$ /docs/$1 permanent; }
        location /abs/ { rewrite ^/abs/(.*)$ http://example.test/$1; }
        location /absq/ { rewrite ^/absq/(.*)$ https://example.test/$1?x=1 permanent; }
        location /nomatch/ { rewrite ^/other/ /show/x last; return 200 "no match\n"; }

        location /args/keep { rewrite ^ /show/keep last; }
        location /args/add { rewrite ^ /show/add?new=1 last; }
        location /args/drop { rewrite ^ /show/drop? last; }
        location /args/replace { rewrite ^ /show/replace?only=1? last; }
        location /args/redir { rewrite ^ /show/r?n=1 redirect; }
        location /args/redirkeep { rewrite ^ /show/r redirect; }
        location /args/redirdrop { rewrite ^ /show/r? redirect; }

        location /chain/ { rewrite ^/chain/(.*)$ /step/$1; rewrite ^/step/(.*)$ /show/chained-$1; }
        location /noflag/ { rewrite ^ /show/from-noflag; set $x 1; }
        location ~ ^/re/(\w+)/(\w+)$ { rewrite ^ /show/$2-$1 last; }
        location ~ ^/re2/(\w+)$ { if ($uri ~ re2) { return 200 "[$1]\n"; } }
        location /re3/ { rewrite ^/re3/(.*)$ /re4/$1 last; }
        location ~ ^/re4/last { return 200 "[$1]\n"; }

        location = /set { set $a hello; set $b "$a world"; return 200 "$b $srv_var\n"; }
        location = /set-header { set $v val; add_header X-V $v; return 200 "ok\n"; }
        location = /set-args { set $args "q=changed"; return 200 "$args $arg_q\n"; }
        location = /set-later { return 200 "[$later]\n"; set $later x; }

        location = /if-var { if ($arg_x) { return 200 "x is set: $arg_x\n"; } return 200 "x unset\n"; }
        location = /if-eq { if ($request_method = POST) { return 201 "posted\n"; } return 200 "not post\n"; }
        location = /if-ne { if ($arg_a != "yes") { return 200 "not yes\n"; } return 200 "yes\n"; }
        location = /if-re { if ($http_user_agent ~ ^curl/(\d+)) { return 200 "curl $1\n"; } return 200 "other\n"; }
        location = /if-rei { if ($http_user_agent ~* ^CURL) { return 200 "ci\n"; } return 200 "no\n"; }
        location = /if-nre { if ($arg_a !~ ^\d+$) { return 400 "not a number\n"; } return 200 "number\n"; }
        location = /if-nrei { if ($arg_a !~* ^abc) { return 200 "no abc\n"; } return 200 "abc\n"; }
        location = /if-spaces { if ( $arg_a = b ) { return 200 "spaced\n"; } return 200 "other\n"; }
        location = /if-empty { if ($arg_a = "") { return 200 "empty\n"; } return 200 "full\n"; }
        location = /if-set { if ($arg_a) { set $seen "a=$arg_a"; } return 200 "[$seen]\n"; }
        location /files/ {
            if (-f $request_filename) { return 200 "file\n"; }
            if (-d $request_filename) { return 200 "dir\n"; }
            if (!-e $request_filename) { return 200 "missing\n"; }
            return 200 "other\n";
        }
        location = /exec {
            if (-x $document_root/files/$arg_f) { return 200 "exec\n"; }
            if (!-x $document_root/files/$arg_f) { return 200 "not exec\n"; }
        }
        location = /notdir { if (!-d $document_root/files/$arg_f) { return 200 "not dir\n"; } return 200 "dir\n"; }
        location = /notfile { if (!-f $document_root/files/$arg_f) { return 200 "not file\n"; } return 200 "file\n"; }

        location /brk/ { rewrite ^/brk/(.*)$ /docs/$1; break; return 500; }
        location /ifrw/ { if ($arg_go) { rewrite ^/ifrw/(.*)$ /show/$1 last; } return 200 "stayed\n"; }
        location /ifbrk/ { if ($arg_stop) { break; } return 200 "went on\n"; }
        location /loop { rewrite ^ /loop last; }
        location /loop2/ { rewrite ^/loop2/a /loop2/b; rewrite ^/loop2/b /loop2/a; }
        location /nine/ { rewrite ^/nine/(\d)(.*)$ /nine/$2 last; return 200 "done $uri\n"; }

        location /tf/ { if ($arg_x) { set $y 1; } try_files $uri /index.html; }
        location = /ret { return 200 "$scheme://$host$request_uri $srv_var\n"; }
        location = /ret-url { return http://$host/elsewhere; }
        location = /ret-301 { return 301 /docs/; }

        # Captures: nginx reads one digit after "$", and makes named groups variables.
        location ~ ^/ten/(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)$ { return 200 "[$10][$11][$9]\n"; }
        location = /ten-rw { rewrite ^/(t)(e)(n)-(r)(w)$ /show/$10-$5 last; }
        location ~ ^/named/(?<first>[a-z]+)/(?P<second>[0-9]+)$ { return 200 "[$first][$second][$1][$2]\n"; }
        location ~ ^/quoted/(?'third'[a-z]+)$ { return 200 "[$third]\n"; }
        location /nrw/ { rewrite ^/nrw/(?<word>\w+)$ /show/$word last; }
        location /nif/ { if ($uri ~ ^/nif/(?<tail>.*)$) { return 200 "tail=[$tail]\n"; } return 404; }
        location /nkeep/ {
            if ($uri ~ ^/nkeep/(?<kept>.*)$) { }
            if ($uri ~ ^/nomatch(?<kept>.*)) { }
            return 200 "kept=[$kept] 1=[$1]\n";
        }
        location /miss-if/ { if ($uri ~ ^/miss-if/(.*)$) { } if ($uri ~ ^/nomatch(.*)) { } return 200 "1=[$1]\n"; }
        location /miss-rw/ { if ($uri ~ ^/miss-rw/(.*)$) { } rewrite ^/nomatch(.*) /x; return 200 "1=[$1]\n"; }
        location /miss-not/ { if ($uri ~ ^/miss-not/(.*)$) { } if ($uri !~ ^/miss-not/(z)(.*)) { } return 200 "1=[$1] 2=[$2]\n"; }
        location /miss-eq/ { if ($uri ~ ^/miss-eq/(.*)$) { } if ($uri = nomatch) { } return 200 "1=[$1]\n"; }
        location ~ ^/nunset/(?<opt>x)?(y)$ { return 200 "[$opt][$2]\n"; }
        location ~ ^/nalias/(?<file>.+)$ { alias ROOT/docs/$file; }
        location /docroot/ { alias ROOT/docs/; return 200 "$document_root $request_filename\n"; }
        location ~ ^/docroot-re/(\w+)$ { alias ROOT/$1/; return 200 "$document_root\n"; }
        location /docroot-var/ { root ROOT/$arg_d; return 200 "$document_root|$request_filename|$realpath_root\n"; }
        location /realpath/ { root ROOT/link; return 200 "$realpath_root|$document_root\n"; }
        location /realpath-missing/ { root ROOT/nosuch; return 200 "[$realpath_root]\n"; }
        location ~ ^/reqfile-re/(\w+)$ { alias ROOT/docs/$1; return 200 "$request_filename|$document_root\n"; }
        location /reqfile-alias/ { alias ROOT/docs/; return 200 "$request_filename|$realpath_root\n"; }
        location ~ ^/nset/(?<val>\w+)$ { set $val "$val-changed"; return 200 "[$val]\n"; }
    }
    server {
        listen 127.0.0.1:PORT;
        server_name ~^(?<sub>[a-z]+)\.named\.test$ exact.named.test;
        location / { return 200 "sub=[$sub] 1=[$1]\n"; }
        location ~ ^/(?<part>\w+)$ { return 200 "sub=[$sub] part=[$part] 1=[$1]\n"; }
    }
"""

CASES = [
    ("rewrite last", request("/last/abc")),
    ("rewrite last keeps args", request("/last/abc?z=9")),
    ("rewrite break serves the file", request("/break/guide.html")),
    ("rewrite break missing file", request("/break/nope.html")),
    ("rewrite redirect", request("/redir/guide.html")),
    ("rewrite redirect with args", request("/redir/guide.html?a=1")),
    ("rewrite permanent", request("/perm/guide.html")),
    ("rewrite redirect with an encoded space", request("/redir/a%20b")),
    ("rewrite last with an encoded space", request("/last/a%20b?x=%20")),
    ("rewrite to url with an encoded space", request("/abs/a%20b")),
    ("rewrite to http url redirects", request("/abs/x/y?k=v")),
    ("rewrite to https url with args, permanent", request("/absq/p?k=v")),
    ("rewrite regex does not match", request("/nomatch/x")),
    ("args kept", request("/args/keep?a=1&b=2")),
    ("args kept, none sent", request("/args/keep")),
    ("args added before the old ones", request("/args/add?a=1")),
    ("args added, none sent", request("/args/add")),
    ("args dropped", request("/args/drop?a=1")),
    ("args replaced", request("/args/replace?a=1")),
    ("redirect with args", request("/args/redir?a=1")),
    ("redirect keeps args", request("/args/redirkeep?a=1")),
    ("redirect drops args", request("/args/redirdrop?a=1")),
    ("rewrites without flag chain", request("/chain/x")),
    ("rewrite without flag re-matches the location", request("/noflag/y")),
    ("a rewrite regex without groups clears $1", request("/re/ab/cd")),
    ("an if regex without groups", request("/re2/ab")),
    ("a regex location without groups", request("/re3/last/x")),
    ("set and return", request("/set")),
    ("set into add_header", request("/set-header")),
    ("set $args", request("/set-args?q=orig")),
    ("set after return is not run", request("/set-later")),
    ("if variable true", request("/if-var?x=1")),
    ("if variable zero is false", request("/if-var?x=0")),
    ("if variable empty is false", request("/if-var")),
    ("if equal", request("/if-eq", "Content-Length: 0", method="POST")),
    ("if equal false", request("/if-eq")),
    ("if not equal", request("/if-ne?a=no")),
    ("if not equal false", request("/if-ne?a=yes")),
    ("if regex with captures", request("/if-re", "User-Agent: curl/7.88")),
    ("if regex no match", request("/if-re", "User-Agent: wget")),
    ("if regex is case-sensitive", request("/if-re", "User-Agent: CURL/7")),
    ("if caseless regex", request("/if-rei", "User-Agent: curl/7")),
    # `return 400 text` keeps the connection; nginx's own 500 page ends it.
    ("if negated regex", request("/if-nre?a=x1")),
    ("if negated regex false", request("/if-nre?a=12")),
    ("if negated caseless regex", request("/if-nrei?a=ABCd")),
    ("if negated caseless regex true", request("/if-nrei?a=xyz")),
    ("if with spaces inside parentheses", request("/if-spaces?a=b")),
    ("if equal to empty string", request("/if-empty")),
    ("if equal to empty string false", request("/if-empty?a=1")),
    ("set inside if", request("/if-set?a=7")),
    ("set inside if not run", request("/if-set")),
    ("-f on a file", request("/files/a.txt")),
    ("-d on a directory", request("/files/sub")),
    ("!-e on a missing path", request("/files/nope")),
    ("-x on an executable", request("/exec?f=run.sh")),
    ("!-x on a plain file", request("/exec?f=a.txt")),
    ("!-d on a file", request("/notdir?f=a.txt")),
    ("!-d on a directory", request("/notdir?f=sub")),
    ("!-f on a directory", request("/notfile?f=sub")),
    ("!-f on a file", request("/notfile?f=a.txt")),
    ("break directive keeps the new uri here", request("/brk/guide.html")),
    ("rewrite last inside if", request("/ifrw/q?go=1")),
    ("if false skips the rewrite", request("/ifrw/q")),
    ("break inside if", request("/ifbrk/x?stop=1")),
    ("no break inside if", request("/ifbrk/x")),
    ("rewrite last loop ends in 500", request("/loop")),
    ("rewrite without flag loop ends in 500", request("/loop2/a")),
    ("nine changes are allowed", request("/nine/123456789")),
    ("ten changes are allowed", request("/nine/1234567890")),
    ("eleven changes are too many", request("/nine/12345678901")),
    ("server rewrite last", request("/srv-old/guide.html")),
    ("server rewrite without flag", request("/srv-plain?a=1")),
    ("server if returns", request("/index.html", "X-Block: 1")),
    ("server set seen in location", request("/ret?x=1")),
    ("return url with variables", request("/ret-url")),
    ("return 301 relative", request("/ret-301")),
    ("plain file still served", request("/index.html")),
    ("$10 is $1 then 0", request("/ten/abcdefghijk")),
    ("$10 in a rewrite", request("/ten-rw")),
    ("named captures in a location", request("/named/abc/123")),
    ("a quoted named capture", request("/quoted/xyz")),
    ("a named capture in a rewrite", request("/nrw/hello")),
    ("a named capture in if", request("/nif/x/y")),
    ("a named capture keeps its value after a failed match", request("/nkeep/zz")),
    ("an if regex that misses empties $1", request("/miss-if/zz")),
    ("a rewrite regex that misses empties $1", request("/miss-rw/zz")),
    ("a !~ regex that matches sets $1", request("/miss-not/zz")),
    ("an if without regex keeps $1", request("/miss-eq/zz")),
    ("an unset named group is empty", request("/nunset/y")),
    ("a named capture in alias", request("/nalias/guide.html")),
    ("set over a named capture", request("/nset/abc")),
    ("$document_root is the alias", request("/docroot/guide")),
    ("$document_root is a regex location's alias", request("/docroot-re/docs")),
    ("$document_root of a root with variables", request("/docroot-var/x?d=docs")),
    ("$realpath_root resolves a symbolic link", request("/realpath/a")),
    ("$realpath_root of a missing root is empty", request("/realpath-missing/a")),
    ("$request_filename of a regex location's alias", request("/reqfile-re/abc")),
    ("$request_filename of an alias", request("/reqfile-alias/q")),
    ("a regex server_name's named capture", request("/", host="www.named.test")),
    ("server_name capture, then a location's", request("/word", host="abc.named.test")),
    ("an exact server_name sets no capture", request("/", host="exact.named.test")),
    ("try_files without a matching if", request("/tf/none")),
    ("a matching if drops try_files", request("/tf/none?x=1")),
]


def make_site(root):
    for name, data in SITE.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    os.chmod(root / "files/run.sh", 0o755)
    os.symlink("docs", root / "link")


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """(nginx, strata), both serving HTTP_BLOCK over the same document root."""
    base = tmp_path_factory.mktemp("rewrite")
    make_site(base / "html")
    with nginx_and_strata(base, HTTP_BLOCK.replace("ROOT", str(base / "html"))) as pair:
        yield pair


@pytest.mark.parametrize("name,raw", CASES, ids=[case[0] for case in CASES])
def test_rewrite_like_nginx(servers, name, raw):
    assert differences(servers, raw) == []


@pytest.mark.parametrize("directive", [
    'location / { return 200 "$nosuch"; }',
    'location ~ ^/(?<known>x)$ { return 200 "$unknown"; }',
])
def test_unknown_variables_rejected_at_load_like_nginx(tmp_path, directive):
    name = "nosuch" if "nosuch" in directive else "unknown"
    for binary, result in config_test_by_nginx_and_strata(tmp_path, directive)[1]:
        assert result.returncode != 0, binary
        assert f'unknown "{name}" variable' in result.stderr, (binary, result.stderr)


@pytest.mark.parametrize("directive,variable", [
    ("root", "document_root"), ("root", "realpath_root"),
    ("alias", "document_root"), ("alias", "realpath_root"),
])
def test_a_path_made_from_itself_rejected_at_load_like_nginx(tmp_path, directive, variable):
    conf, results = config_test_by_nginx_and_strata(
        tmp_path, f"location /x/ {{ {directive} html/${{{variable}}}; }}")
    for binary, result in results:
        assert result.returncode != 0, binary
        wanted = f'the ${variable} variable cannot be used in the "{directive}" directive'
        assert wanted in result.stderr, (binary, result.stderr)
        assert f"{conf}:5" in result.stderr, (binary, result.stderr)


def test_path_variables_cut_a_cycle_and_log_a_failed_realpath(tmp_path):
    """A root naming $request_filename: nginx allows it and cuts the cycle, and strata
    must not recurse without end. A root realpath() cannot resolve: nginx's [crit]."""
    (tmp_path / "html").mkdir()
    server = Strata(tmp_path, """
    server {
        listen 127.0.0.1:PORT;
        location /cycle/ { root html/$request_filename; return 200 "[$request_filename]\\n"; }
        location /cycle-file/ { root html/$request_filename; }
        location /missing/ { root html/nosuch; return 200 "[$realpath_root]\\n"; }
        location = /ok { return 200 "ok\\n"; }
    }
""")
    try:
        def get(path):
            with urllib.request.urlopen(server.url + path, timeout=5) as reply:
                return reply.status, reply.read()
        status, body = get("/cycle/x")
        assert status == 200
        # The inner $request_filename is empty: the root is html/, the URI follows.
        assert body == f"[{tmp_path}/html//cycle/x]\n".encode()
        with pytest.raises(urllib.error.HTTPError) as missing:
            get("/cycle-file/x")
        assert missing.value.code == 404
        assert get("/missing/x") == (200, b"[]\n")
        assert get("/ok") == (200, b"ok\n")
        log = server.error_log.read_text()
        assert 'cycle while evaluating variable "request_filename"' in log
        assert '[crit]' in log and f'realpath() "{tmp_path}/html/nosuch" failed (2: ' in log
    finally:
        server.stop()
    assert server.proc.returncode == 0
