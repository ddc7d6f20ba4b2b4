"""Several machines: two backends, each in a network namespace of its own reached over a
veth pair (its own address, as a separate host would have), behind one strata. Under
load, one backend's link is cut (`ip link set … down`): requests in flight on it time
out and go to the other, new ones fail to connect and go to the other, and no client
sees an error; the error log says why, in nginx's words."""
import os
import re
import subprocess
import threading
import time
import urllib.request

import pytest

from conftest import Strata

BACKEND = r'''
import http.server, socketserver, sys, time
name = sys.argv[2]
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        time.sleep(0.02)  # requests are in flight when the link goes down
        body = name.encode()
        # Head and body in one write, as an app server sends a small answer: a cut then
        # loses all of it or none (after the head, a proxy cannot try elsewhere).
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    def log_message(self, *args):
        pass
class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
server = Server((sys.argv[1], 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
'''


def run(*argv):
    subprocess.run(argv, check=True, capture_output=True, text=True)


def free_subnets(count):
    """Private /24s no interface of this host uses."""
    used = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True).stdout
    routes = subprocess.run(["ip", "-4", "route"], capture_output=True, text=True).stdout
    found = []
    for third in range(200, 250):
        prefix = f"10.213.{third}."
        if prefix not in used and prefix not in routes:
            found.append(prefix)
        if len(found) == count:
            return found
    pytest.fail("no free 10.213.x.0/24 for the namespaces")


class Host:
    """A network namespace with one veth link to this one, and a backend inside."""

    def __init__(self, tag, prefix, script):
        self.ns = f"strata{os.getpid()}{tag}"
        self.outside = f"sv{os.getpid() % 100000}{tag}"
        self.address = prefix + "2"
        run("ip", "netns", "add", self.ns)
        run("ip", "link", "add", self.outside, "type", "veth", "peer", "name", "eth0",
            "netns", self.ns)
        run("ip", "addr", "add", prefix + "1/24", "dev", self.outside)
        run("ip", "link", "set", self.outside, "up")
        run("ip", "-n", self.ns, "addr", "add", self.address + "/24", "dev", "eth0")
        run("ip", "-n", self.ns, "link", "set", "eth0", "up")
        run("ip", "-n", self.ns, "link", "set", "lo", "up")
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", self.ns, "/usr/bin/python3", "-c", script, self.address,
             tag], stdout=subprocess.PIPE, text=True)
        self.port = int(self.proc.stdout.readline())

    def cut(self):
        run("ip", "link", "set", self.outside, "down")

    def remove(self):
        self.proc.kill()
        self.proc.wait()
        subprocess.run(["ip", "link", "del", self.outside], capture_output=True)
        subprocess.run(["ip", "netns", "del", self.ns], capture_output=True)


@pytest.fixture
def hosts():
    for tool in ("ip",):
        if not any(os.access(os.path.join(d, tool), os.X_OK)
                   for d in os.environ.get("PATH", "/usr/sbin:/sbin").split(":") + ["/usr/sbin"]):
            pytest.fail(f"{tool} is not installed")
    made = []
    try:
        for tag, prefix in zip("ab", free_subnets(2)):
            made.append(Host(tag, prefix, BACKEND))
        yield made
    finally:
        for host in made:
            host.remove()


def test_cutting_one_host_off_under_load(tmp_path, hosts):
    a, b = hosts
    server = Strata(tmp_path, f"""
        error_log {tmp_path}/cut.log;
        upstream hosts {{
            server {a.address}:{a.port};
            server {b.address}:{b.port};
            keepalive 8;
        }}
        server {{
            listen 127.0.0.1:PORT;
            location / {{
                proxy_pass http://hosts;
                proxy_http_version 1.1;
                proxy_set_header Connection "";
                proxy_connect_timeout 1s;
                proxy_read_timeout 1s;
            }}
        }}""")
    failures, seen = [], {"a": 0, "b": 0}
    done = threading.Event()

    def client():
        while not done.is_set():
            try:
                with urllib.request.urlopen(server.url + "/x", timeout=10) as r:
                    seen[r.read().decode()] += 1
            except Exception as e:  # any failure is the test's failure
                failures.append(repr(e))

    threads = [threading.Thread(target=client) for _ in range(6)]
    try:
        for t in threads:
            t.start()
        time.sleep(1.5)
        before = dict(seen)
        a.cut()
        time.sleep(3)
        done.set()
        for t in threads:
            t.join()
    finally:
        done.set()
        server.stop()
    assert failures == []
    assert before["a"] > 0 and before["b"] > 0
    assert seen["b"] > before["b"]
    log = (tmp_path / "cut.log").read_text()
    assert re.search(rf"(upstream timed out \(110: Connection timed out\)|connect\(\) to "
                     rf"{re.escape(a.address)}:{a.port} failed \(101: Network is unreachable\))"
                     r" while (reading response header from|connecting to) upstream", log), log
