#!/usr/bin/python3
"""The in-process ceiling: how often one Python thread can call a WSGI app.

What a server with zero overhead would reach: no sockets, no parsing, no
serialising. The app is called with a prebuilt environ of the shape a server
builds for wrk's request (`GET / HTTP/1.1`, `Host: 127.0.0.1:PORT`; the keys
gunicorn and strata set), a start_response that only records the status, and
its body is consumed and closed as PEP 3333 asks. The environ is copied from the
template on each call, because apps write into it (Flask stores its request
there); wsgi.input is one shared empty stream, which a GET never reads.

The result is checked inside the timed loop (status and the exact body), like
the servers' answers are checked before wrk runs.

    wsgi_ceiling.py --app-dir DIR --app hello_wsgi:app --body 'Hello, World!' --seconds 5

Prints one JSON object: {"calls": N, "seconds": S, "calls_per_second": R, "errors": E}.
Exit status 1 when the app could not be loaded or answered wrongly even once.
"""

import argparse
import importlib
import io
import json
import os
import sys
import time

BATCH = 500  # calls between clock reads


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--app-dir", required=True, help="directory holding the app module")
    p.add_argument("--app", required=True, help="module:callable, as the servers get it")
    p.add_argument("--body", required=True, help="the exact body a correct call yields")
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--warmup", type=float, default=1.0)
    p.add_argument("--port", type=int, default=8000, help="the port in HTTP_HOST/SERVER_PORT")
    return p.parse_args(argv)


def load_app(app_dir, spec):
    # The servers get --chdir DIR module:app: the same directory on sys.path and as cwd.
    os.chdir(app_dir)
    sys.path.insert(0, app_dir)
    module_name, _, attr = spec.partition(":")
    return getattr(importlib.import_module(module_name), attr or "application")


class FileWrapper:
    """wsgi.file_wrapper as servers offer it (never used by the hello apps)."""

    def __init__(self, filelike, blksize=8192):
        self.filelike, self.blksize = filelike, blksize

    def __iter__(self):
        return iter(lambda: self.filelike.read(self.blksize), b"")


def template_environ(port):
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "RAW_URI": "/",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": str(port),
        "SERVER_SOFTWARE": "ceiling",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "40000",
        "HTTP_HOST": f"127.0.0.1:{port}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.file_wrapper": FileWrapper,
        "wsgi.input_terminated": True,
    }


def make_caller(app, template, body):
    """A function making n calls and returning how many answered wrongly."""
    status = []

    def write(_data):
        pass

    def start_response(status_line, _headers, _exc_info=None):
        status.append(status_line)
        return write

    def calls(n):
        wrong = 0
        for _ in range(n):
            status.clear()
            result = app(dict(template), start_response)
            try:
                got = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
            if got != body or not status or not status[0].startswith("200"):
                wrong += 1
        return wrong

    return calls


def run_for(calls, seconds):
    count = errors = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        errors += calls(BATCH)
        count += BATCH
        now = time.perf_counter()
        if now >= deadline:
            return count, now - start, errors


def main(argv):
    args = parse_args(argv)
    app = load_app(os.path.abspath(args.app_dir), args.app)
    calls = make_caller(app, template_environ(args.port), args.body.encode("latin-1"))
    if calls(1):
        print(f"{args.app}: wrong answer to the first call", file=sys.stderr)
        return 1
    run_for(calls, args.warmup)
    count, seconds, errors = run_for(calls, args.seconds)
    print(json.dumps({"calls": count, "seconds": seconds,
                      "calls_per_second": count / seconds, "errors": errors}))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
