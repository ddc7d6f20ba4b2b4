#!/usr/bin/python3
"""Turns gunicorn's HTTP request corpus into one JSON file for corpus_conformance_test.cpp.

Usage: corpus_to_json.py <corpus_dir> <out.json>

The corpus README (beside the data) is the specification followed here: how a .http
fixture becomes wire bytes, and how a .py expectation is evaluated. Byte strings are
carried as hex and text as latin-1 decoded strings, so JSON holds every byte losslessly.
Any fixture that cannot be processed stops the conversion with a non-zero exit: a
half-converted corpus must never look like a passing one.
"""

import json
import string
import sys
import types
from pathlib import Path
from urllib.parse import urlsplit

EXPECTED_VALID = 63
EXPECTED_INVALID = 74

HEX_DIGITS = frozenset(string.hexdigits.encode("ascii"))


class CorpusError(Exception):
    pass


# ---------------------------------------------------------------------------
# .http fixture -> wire bytes (README, "Turning a .http file into wire bytes")


def decode_hex_escapes(data):
    """Step 7: one left-to-right scan; `\\xHH` becomes one byte when all four
    characters lie inside the buffer and both H are hex digits."""
    out = bytearray()
    i = 0
    while i < len(data):
        if (data[i:i + 2] == b"\\x" and i + 3 < len(data) and data[i + 2] in HEX_DIGITS
                and data[i + 3] in HEX_DIGITS):
            out.append(int(data[i + 2:i + 4], 16))
            i += 4
        else:
            out.append(data[i])
            i += 1
    return bytes(out)


def wire_bytes(path):
    data = path.read_bytes()
    if b"\r" in data:
        raise CorpusError(f"{path}: raw CR byte; the README says fixtures have none")
    data = data.replace(b"\n", b"")
    data = data.replace(b"\\r\\n", b"\r\n")
    data = data.replace(b"\\0", b"\x00")
    data = data.replace(b"\\n", b"\n")
    data = data.replace(b"\\t", b"\t")
    data = decode_hex_escapes(data)
    if b"\\" in data:
        raise CorpusError(f"{path}: backslash left after decoding (broken fixture)")
    return data


# ---------------------------------------------------------------------------
# .py expectation -> values (README, "The expectation .py files")

ERROR_HIERARCHY = {
    # gunicorn's request errors: ParseException subclasses unless noted.
    "ParseException": Exception,
    "NoMoreData": IOError,
    "InvalidChunkSize": IOError,
    "ChunkMissingTerminator": IOError,
    "InvalidChunkExtension": IOError,
    "InvalidRequestLine": "ParseException",
    "InvalidRequestMethod": "ParseException",
    "InvalidHTTPVersion": "ParseException",
    "InvalidHeader": "ParseException",
    "InvalidHeaderName": "ParseException",
    "ObsoleteFolding": "ParseException",
    "UnsupportedTransferCoding": "ParseException",
    "LimitRequestLine": "ParseException",
    "LimitRequestHeaders": "ParseException",
    "InvalidProxyLine": "ParseException",
    "ForbiddenProxyRequest": "ParseException",
    "InvalidSchemeHeaders": "ParseException",
    "ConfigurationProblem": "ParseException",
}


class StubConfig:
    """Stands in for gunicorn.config.Config: only records what the fixture sets."""

    def __init__(self):
        self.settings = {}

    def set(self, name, value):
        self.settings[name] = value


def make_error_classes():
    classes = {}
    for name, base in ERROR_HIERARCHY.items():
        parent = classes[base] if isinstance(base, str) else base
        classes[name] = type(name, (parent,), {})
    return classes


ERROR_CLASSES = make_error_classes()


def install_stub_modules():
    gunicorn = types.ModuleType("gunicorn")
    config = types.ModuleType("gunicorn.config")
    config.Config = StubConfig
    http = types.ModuleType("gunicorn.http")
    errors = types.ModuleType("gunicorn.http.errors")
    for name, cls in ERROR_CLASSES.items():
        setattr(errors, name, cls)
    gunicorn.config, gunicorn.http, http.errors = config, http, errors
    sys.modules.update({"gunicorn": gunicorn, "gunicorn.config": config,
                        "gunicorn.http": http, "gunicorn.http.errors": errors})


def uri(raw):
    """The README's uri() helper: urlsplit, except that a target starting with `//`
    is split as "." + raw so that its leading slashes stay in the path."""
    if raw.startswith("//"):
        parts = urlsplit("." + raw)
        path = parts.path[1:]
    else:
        parts = urlsplit(raw)
        path = parts.path
    return {"raw": raw, "path": path or "", "query": parts.query or "",
            "fragment": parts.fragment or ""}


def evaluate(path):
    namespace = {"__name__": f"corpus_{path.stem}", "__file__": str(path),
                 "cfg": StubConfig(), "uri": uri}
    code = compile(path.read_bytes(), str(path), "exec")
    exec(code, namespace)  # the fixtures are trusted data files of this repository
    if "request" not in namespace:
        raise CorpusError(f"{path}: defines no `request`")
    cfg = namespace["cfg"]
    if not isinstance(cfg, StubConfig):
        raise CorpusError(f"{path}: `cfg` is not a Config")
    return namespace["request"], cfg.settings


# ---------------------------------------------------------------------------
# values -> JSON


def as_latin1(value, where):
    if not isinstance(value, str):
        raise CorpusError(f"{where}: expected str, got {type(value).__name__}")
    value.encode("latin-1")  # raises if a character does not fit in one byte
    return value


def as_bytes(value, where):
    if isinstance(value, bytes):
        return value
    if value == "":  # three fixtures write an empty body as ''
        return b""
    raise CorpusError(f"{where}: expected bytes, got {value!r:.40}")


def fields(pairs, where):
    out = []
    for pair in pairs:
        if len(pair) != 2:
            raise CorpusError(f"{where}: field is not a (name, value) pair: {pair!r}")
        out.append([as_latin1(pair[0], where), as_latin1(pair[1], where)])
    return out


def expected_request(req, where):
    if not isinstance(req, dict):
        raise CorpusError(f"{where}: request is not a dict")
    unknown = set(req) - {"method", "uri", "version", "headers", "body", "trailers"}
    if unknown:
        raise CorpusError(f"{where}: unknown keys {sorted(unknown)}")
    version = list(req["version"])
    if len(version) != 2 or not all(isinstance(v, int) for v in version):
        raise CorpusError(f"{where}: bad version {req['version']!r}")
    target = req["uri"]
    return {
        "method": as_latin1(req["method"], where),
        "uri": {key: as_latin1(target[key], where)
                for key in ("raw", "path", "query", "fragment")},
        "version": version,
        "headers": fields(req["headers"], where),
        "body": as_bytes(req["body"], where).hex(),
        "trailers": fields(req.get("trailers", []), where),
    }


def settings_json(settings, where):
    for name, value in settings.items():
        if not isinstance(value, (bool, int, str)):
            raise CorpusError(f"{where}: setting {name} has unsupported value {value!r}")
    return dict(sorted(settings.items()))


def convert_case(kind, http_path):
    py_path = http_path.with_suffix(".py")
    if not py_path.is_file():
        raise CorpusError(f"{http_path}: no sibling {py_path.name}")
    name = f"{kind}/{http_path.stem}"
    request, settings = evaluate(py_path)
    case = {"name": name, "kind": kind, "wire": wire_bytes(http_path).hex(),
            "settings": settings_json(settings, name)}
    if kind == "valid":
        requests = request if isinstance(request, list) else [request]
        if not requests:
            raise CorpusError(f"{name}: empty request list")
        case["requests"] = [expected_request(r, name) for r in requests]
    else:
        if not (isinstance(request, type) and request in ERROR_CLASSES.values()):
            raise CorpusError(f"{name}: `request` is not a gunicorn error class")
        case["error"] = request.__name__
    return case


def convert_folder(corpus, kind):
    folder = corpus / kind
    http_files = sorted(folder.glob("*.http"))
    stray = {p.stem for p in folder.glob("*.py")} - {p.stem for p in http_files}
    if stray:
        raise CorpusError(f"{folder}: .py without .http: {sorted(stray)}")
    return [convert_case(kind, p) for p in http_files]


def main(argv):
    if len(argv) != 3:
        print(f"usage: {argv[0]} <corpus_dir> <out.json>", file=sys.stderr)
        return 2
    corpus, out = Path(argv[1]), Path(argv[2])
    install_stub_modules()
    try:
        valid = convert_folder(corpus, "valid")
        invalid = convert_folder(corpus, "invalid")
        if (len(valid), len(invalid)) != (EXPECTED_VALID, EXPECTED_INVALID):
            raise CorpusError(f"{corpus}: {len(valid)} valid and {len(invalid)} invalid cases, "
                              f"expected {EXPECTED_VALID} and {EXPECTED_INVALID}")
    except CorpusError as error:
        print(f"corpus_to_json: {error}", file=sys.stderr)
        return 1
    cases = sorted(valid + invalid, key=lambda case: case["name"])
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(cases, indent=1, ensure_ascii=True) + "\n", encoding="ascii")
    tmp.replace(out)  # never leave a truncated file for the build to accept
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
