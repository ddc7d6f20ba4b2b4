#!/usr/bin/python3
"""Copies gunicorn's request corpus into the fuzz seeds, as wire bytes.

Usage: import_gunicorn.py <corpus_dir>   (../shared/corpus/gunicorn-requests)

Each .http fixture becomes wire bytes the way corpus_to_json.py decodes it, then a seed:
  request_parser/gunicorn-*        [options][split][split] + wire (gunicorn's limits)
  request_differential/gunicorn-*  [options] + wire
  chunked_decoder/gunicorn-*       [limits][split][split] + what follows the head, for
                                   fixtures with a chunked body
The corpus is MIT-licensed: its LICENSE.gunicorn goes beside the copied cases.
"""

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "unit" / "http"))
from corpus_to_json import wire_bytes  # noqa: E402

PARSER_PREFIX = bytes([0x08, 0x80, 0xC0])  # no Host required, drop '_', gunicorn limits
DIFFERENTIAL_PREFIX = bytes([0x00])
CHUNKED_PREFIX = bytes([0x00, 0x80, 0xC0])


def write(target, name, data):
    folder = HERE / target
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(data)


def main():
    corpus = Path(sys.argv[1])
    for target in ("request_parser", "request_differential", "chunked_decoder"):
        (HERE / target).mkdir(exist_ok=True)
        shutil.copy(corpus / "LICENSE.gunicorn", HERE / target / "LICENSE.gunicorn")
    for kind in ("valid", "invalid"):
        for fixture in sorted((corpus / kind).glob("*.http")):
            wire = wire_bytes(fixture)
            name = f"gunicorn-{kind}-{fixture.stem}"
            write("request_parser", name, PARSER_PREFIX + wire)
            write("request_differential", name, DIFFERENTIAL_PREFIX + wire)
            head_end = wire.find(b"\r\n\r\n")
            if b"chunked" in wire.lower() and head_end >= 0:
                write("chunked_decoder", name, CHUNKED_PREFIX + wire[head_end + 4:])


if __name__ == "__main__":
    main()
