"""A small HTTP/2 client over python3-h2 for tests that need frames by hand: several
streams at once, resets, floods, GOAWAY. Cleartext (prior knowledge) or TLS (ALPN h2)."""
import socket
import ssl

import h2.config
import h2.connection
import h2.events


class H2Client:
    def __init__(self, port, context=None, server_name="localhost", timeout=10):
        raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        if context is not None:
            context.set_alpn_protocols(["h2"])
            raw = context.wrap_socket(raw, server_hostname=server_name)
            assert raw.selected_alpn_protocol() == "h2"
        self.sock = raw
        self.scheme = "http" if context is None else "https"
        self.conn = h2.connection.H2Connection(
            config=h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        self.closed = False
        self.responses = {}  # stream id → {"status", "headers", "body", "ended", "reset"}
        self.goaway = None   # the ConnectionTerminated event, once received
        self.remote_settings = {}
        self.conn.initiate_connection()
        self.flush()

    def flush(self):
        data = self.conn.data_to_send()
        if data and not self.closed:
            try:
                self.sock.sendall(data)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                self.closed = True  # the server ended the connection; reads show how

    def request(self, path, method="GET", body=None, headers=(), end=True, authority="localhost"):
        stream = self.conn.get_next_available_stream_id()
        fields = [(":method", method), (":path", path), (":scheme", self.scheme),
                  (":authority", authority), *headers]
        self.responses[stream] = {"status": None, "headers": [], "body": b"", "ended": False,
                                  "reset": None}
        self.conn.send_headers(stream, fields, end_stream=body is None and end)
        if body is not None:
            self.send_body(stream, body, end=end)
        self.flush()
        return stream

    def send_body(self, stream, body, end=True):
        """Sends as the flow-control windows allow, reading (and so receiving window
        updates) while they are shut."""
        view = memoryview(body)
        while view:
            room = min(self.conn.local_flow_control_window(stream),
                       self.conn.max_outbound_frame_size, len(view))
            if room == 0:
                self.flush()
                if not self.receive_some() or self.responses[stream]["ended"]:
                    return  # answered (or cut off) before the whole body went
                continue
            self.conn.send_data(stream, bytes(view[:room]))
            view = view[room:]
            self.flush()
        if end:
            self.conn.end_stream(stream)
            self.flush()

    def receive_some(self):
        try:
            data = self.sock.recv(65536)
        except (ConnectionResetError, ssl.SSLError):
            data = b""
        if not data:
            self.closed = True
            return False
        for event in self.conn.receive_data(data):
            self.handle(event)
        self.flush()
        return True

    def handle(self, event):
        if isinstance(event, h2.events.ResponseReceived):
            r = self.responses[event.stream_id]
            r["headers"] = event.headers
            r["status"] = int(dict(event.headers)[":status"])
        elif isinstance(event, h2.events.DataReceived):
            self.responses[event.stream_id]["body"] += event.data
            self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        elif isinstance(event, h2.events.StreamEnded):
            self.responses[event.stream_id]["ended"] = True
        elif isinstance(event, h2.events.StreamReset):
            if event.stream_id in self.responses:
                self.responses[event.stream_id]["reset"] = event.error_code
        elif isinstance(event, h2.events.ConnectionTerminated):
            self.goaway = event
        elif isinstance(event, h2.events.RemoteSettingsChanged):
            for key, setting in event.changed_settings.items():
                self.remote_settings[key] = setting.new_value

    def wait(self, stream):
        r = self.responses[stream]
        while not (r["ended"] or r["reset"] is not None or self.closed):
            self.receive_some()
        return r

    def get(self, path, **kwargs):
        return self.wait(self.request(path, **kwargs))

    def close(self):
        self.sock.close()
