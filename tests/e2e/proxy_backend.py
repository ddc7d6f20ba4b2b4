"""A small HTTP/1.x upstream for proxy tests, on 127.0.0.1 (a port from the OS) or a
unix socket: it records every request (which connection carried it, method, target,
headers in order, body), keeps the raw bytes of each connection as they arrived
(`raw`), and answers by path:

  /status/NNN          that status, a short body
  /big/N               N bytes of body (Content-Length)
  /chunked/N           N bytes in chunks of 1000
  /close/N             N bytes, HTTP/1.0, ended by closing
  /slow-head/S         waits S seconds before answering
  /slow-body/S         sends the head, waits S seconds, then the body
  /redirect?to=URL     302 with that Location
  /headers             extra fields the proxy should hide or pass (Server, X-Accel-…)
  any path ?cookie=V…  200 with a Set-Cookie field per `cookie` (percent-decoded), in order
  anything else        200, JSON of the request as received

Every answer carries "X-Backend: <name>". Keep-alive follows HTTP/1.1 (close when the
request says so or is HTTP/1.0)."""
import json
import os
import socket
import threading
import time
from urllib.parse import parse_qsl


class Request:
    def __init__(self, connection, method, target, version, headers, body):
        self.connection = connection
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers  # [(name, value)] in order
        self.body = body

    def header(self, name):
        for n, v in self.headers:
            if n.lower() == name.lower():
                return v
        return None

    def as_dict(self):
        return {"method": self.method, "target": self.target, "version": self.version,
                "headers": self.headers, "body": self.body.decode("latin-1")}


class Backend:
    def __init__(self, name="backend", unix_path=None):
        self.name = name
        self.requests = []
        self.answered = {}  # target -> monotonic time its answer was fully sent
        self.connections = 0
        self.raw = {}  # connection number -> every byte it received, as received
        self.open_connections = set()
        self.lock = threading.Lock()
        if unix_path:
            self.sock = socket.socket(socket.AF_UNIX)
            if os.path.exists(unix_path):
                os.unlink(unix_path)
            self.sock.bind(unix_path)
            self.address = f"unix:{unix_path}"
            self.port = None
        else:
            self.sock = socket.socket()
            self.sock.bind(("127.0.0.1", 0))
            self.port = self.sock.getsockname()[1]
            self.address = f"127.0.0.1:{self.port}"
        self.sock.listen(128)
        self.stopped = False
        self.acceptor = threading.Thread(target=self._accept, daemon=True)
        self.acceptor.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
                number = self.connections
                self.open_connections.add(conn)
            threading.Thread(target=self._serve, args=(conn, number), daemon=True).start()

    def _serve(self, conn, number):
        buffered = b""
        try:
            while not self.stopped:
                request, buffered = self._read_request(conn, number, buffered)
                if request is None:
                    return
                with self.lock:
                    self.requests.append(request)
                keep = self._answer(conn, request)
                with self.lock:
                    self.answered[request.target] = time.monotonic()
                if not keep:
                    return
        except OSError:
            return
        finally:
            with self.lock:
                self.open_connections.discard(conn)
            conn.close()

    def _received(self, conn, number):
        chunk = conn.recv(65536)
        with self.lock:
            self.raw.setdefault(number, bytearray()).extend(chunk)
        return chunk

    def _read_request(self, conn, number, data):
        while b"\r\n\r\n" not in data:
            chunk = self._received(conn, number)
            if not chunk:
                return None, b""
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = lines[0].split(" ")
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.append((name, value.strip()))
        length = 0
        for name, value in headers:
            if name.lower() == "content-length":
                length = int(value)
        while len(rest) < length:
            chunk = self._received(conn, number)
            if not chunk:
                return None, b""
            rest += chunk
        return Request(number, method, target, version, headers, rest[:length]), rest[length:]

    def _answer(self, conn, request):
        path = request.target.split("?")[0]
        parts = path.strip("/").split("/")
        keep = request.version == "HTTP/1.1" and (request.header("Connection") or "").lower() != "close"
        conn_field = b"" if keep else b"Connection: close\r\n"
        base = b"X-Backend: " + self.name.encode() + b"\r\n" + conn_field
        kind = parts[0]
        cookies = [v for k, v in parse_qsl(request.target.partition("?")[2]) if k == "cookie"]
        if cookies:
            fields = b"".join(b"Set-Cookie: " + c.encode("latin-1") + b"\r\n" for c in cookies)
            conn.sendall(b"HTTP/1.1 200 OK\r\n" + base + fields + b"Content-Length: 0\r\n\r\n")
        elif kind == "status":
            status = int(parts[1])
            body = f"status {status} from {self.name}\n".encode()
            conn.sendall(b"HTTP/1.1 %d Status\r\n" % status + base +
                         b"Content-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        elif kind == "big":
            size = int(parts[1])
            conn.sendall(b"HTTP/1.1 200 OK\r\n" + base +
                         b"Content-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n" % size)
            block = b"x" * 65536
            left = size
            while left:
                n = min(left, len(block))
                conn.sendall(block[:n])
                left -= n
        elif kind == "chunked":
            size = int(parts[1])
            conn.sendall(b"HTTP/1.1 200 OK\r\n" + base +
                         b"Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n")
            left = size
            while left:
                n = min(left, 1000)
                conn.sendall(b"%x\r\n" % n + b"c" * n + b"\r\n")
                left -= n
            conn.sendall(b"0\r\n\r\n")
        elif kind == "close":
            size = int(parts[1])
            conn.sendall(b"HTTP/1.0 200 OK\r\nX-Backend: " + self.name.encode() +
                         b"\r\nContent-Type: text/plain\r\n\r\n" + b"z" * size)
            return False
        elif kind == "slow-head":
            time.sleep(float(parts[1]))
            return self._json(conn, request, base)
        elif kind == "slow-body":
            conn.sendall(b"HTTP/1.1 200 OK\r\n" + base + b"Content-Length: 4\r\n\r\nab")
            time.sleep(float(parts[1]))
            conn.sendall(b"cd")
        elif kind == "redirect":
            to = request.target.split("to=", 1)[1]
            conn.sendall(b"HTTP/1.1 302 Found\r\n" + base + b"Location: " + to.encode() +
                         b"\r\nRefresh: 3; url=" + to.encode() + b"\r\nContent-Length: 0\r\n\r\n")
        elif kind == "headers":
            conn.sendall(b"HTTP/1.1 200 Fine\r\n" + base +
                         b"Server: recorder/1.0\r\nDate: Thu, 01 Jan 2015 00:00:00 GMT\r\n"
                         b"X-Accel-Expires: 10\r\nX-Pad: avoid browser bug\r\nX-Secret: s\r\n"
                         b"Keep-Alive: timeout=5\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n"
                         b"Last-Modified: Wed, 21 Oct 2015 07:28:00 GMT\r\nETag: \"abc\"\r\n"
                         b"Content-Type: text/plain\r\nContent-Length: 3\r\n\r\nhi\n")
        else:
            return self._json(conn, request, base)
        return keep

    def _json(self, conn, request, base):
        body = json.dumps(request.as_dict()).encode()
        conn.sendall(b"HTTP/1.1 200 OK\r\n" + base +
                     b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        return base.find(b"Connection: close") < 0

    def count(self):
        with self.lock:
            return len(self.requests)

    def stop(self):
        """Stops listening and drops every connection (a killed backend). The accepting
        thread is woken (shutdown) and waited for before the socket is closed: closed
        under it, its descriptor number could be reused by the next backend's socket,
        whose connections the old thread would then take."""
        self.stopped = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.acceptor.join(timeout=5)
        self.sock.close()
        with self.lock:
            for conn in list(self.open_connections):
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
