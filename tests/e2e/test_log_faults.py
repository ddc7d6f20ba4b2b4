"""An access log that cannot be written (its file system is full): requests are still
served, and the failure is reported once in the error log with nginx's alert line,
compared with Debian's nginx on the same configuration. The full file system is a tmpfs
of 16 KiB the test mounts (and unmounts) itself; the tests run as root."""
import re
import subprocess
import time

import pytest
import requests

from conftest import Nginx, Strata

BLOCK = """
    access_log FULL/access.log;
    server {
        listen 127.0.0.1:PORT;
        server_name site;
        root ROOT;
        location / { }
    }
"""


@pytest.fixture
def full_fs(tmp_path):
    mount_point = tmp_path / "full"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(mount_point)],
                             capture_output=True, text=True)
    assert mounted.returncode == 0, f"cannot mount a tmpfs (the tests run as root): {mounted.stderr}"
    try:
        with open(mount_point / "filler", "wb") as f:
            try:
                f.write(b"\0" * 65536)
            except OSError:
                pass
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)


def alert_lines(text):
    """The alert lines, without the time stamp, pids and nginx's connection number."""
    lines = []
    for line in text.splitlines():
        if "[alert]" not in line:
            continue
        line = re.sub(r"^\S+ \S+ \[alert\] \d+#\d+: (\*\d+ )?", "[alert] ", line)
        lines.append(re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", line))
    return lines


def test_a_full_disk_does_not_stop_serving_and_is_reported_once_like_nginx(tmp_path, full_fs):
    root = tmp_path / "html"
    root.mkdir()
    (root / "page.txt").write_text("still served\n")
    reports = {}
    for name, start in (("nginx", Nginx), ("strata", Strata)):
        block = BLOCK.replace("FULL", str(full_fs / name)).replace("ROOT", str(root))
        (full_fs / name).mkdir(exist_ok=True)
        (tmp_path / name).mkdir()
        server = start(tmp_path / name, block)
        try:
            for _ in range(5):
                reply = requests.get(server.url + "/page.txt", timeout=10)
                assert (reply.status_code, reply.text) == (200, "still served\n")
            time.sleep(0.3)
        finally:
            server.stop()
        error_log = (tmp_path / name / ("nginx-error.log" if name == "nginx" else "error.log"))
        reports[name] = [line.replace(str(full_fs / name), "FULL")
                         for line in alert_lines(error_log.read_text())]
    assert reports["strata"] == reports["nginx"]
    assert reports["strata"] == [
        '[alert] write() to "FULL/access.log" failed (28: No space left on device) while '
        'logging request, client: 127.0.0.1, server: site, request: "GET /page.txt HTTP/1.1", '
        'host: "127.0.0.1:PORT"']
