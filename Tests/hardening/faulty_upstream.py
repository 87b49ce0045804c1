"""A controllable, faulty mock upstream: a real threaded HTTP server on 127.0.0.1 that speaks the three dialects
the gateway relays (OpenAI `/v1/...`, Ollama native `/api/...`, Anthropic `/v1/messages`) and misbehaves on
purpose, per key, as the test tells it (`upstream.set(key, Fault(...))`).

Faults (the `kind` of a `Fault`):
- `ok`: a normal answer in the route's dialect, streamed when the request asks for a stream (`pause` seconds
  between events: a slow but healthy upstream);
- `status`: that HTTP status with an error body in the dialect (and `Retry-After` when given); the body carries
  `SECRET_MARKER` and the key itself, so a test can see whether the gateway leaks an upstream answer;
- `reset`: reads the request, then closes the connection with a TCP RST before any answer;
- `garbage`: answers bytes that are not HTTP at all, then closes;
- `hang`: reads the request and never answers (until the peer closes or `hold` seconds pass);
- `stall_head`: sends the response head and then nothing;
- `stall`: sends the head and `events` stream events (or half of a plain body), then nothing;
- `cut`: sends the head and `events` stream events (or half of a plain body), then closes the connection (FIN);
- `large`: a valid answer of about `size` bytes (a long content string; many events when streamed);
- `truncated_json`: a complete HTTP message whose JSON is cut short (a plain body; or a stream whose last line or
  event is half a JSON document).

Every request head that reaches the mock is recorded (`seen`), also those the mock refuses: heads above
`MAX_HEAD_BYTES` get `431` and a close, as nginx and Python's `http.server` do, which is the answer that used to
crash the gateway when it forwarded a huge header.

Standard library only: the soak script (`scripts/soak`) runs it with the system Python."""

import json
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from upstream_answers import (PIECES, SECRET_MARKER, dialect_of, error_payload, large_pieces,  # noqa: F401
                              plain_answer, stream_events)

MAX_HEAD_BYTES = 48 * 1024
GARBAGE = b"SSH-2.0-OpenSSH_9.6\r\n\x00\xff\xfe\x16\x03\x01 this is not HTTP \x80\x81\r\n\r\n"


@dataclass
class Fault:
    """What the mock does for one key."""
    kind: str = "ok"
    status: int = 0
    retry_after: str | None = None
    events: int = 2          # stall / cut: stream events (or plain-body halves) sent before the fault
    size: int = 3 * 1024 * 1024
    hold: float = 30.0       # hang / stall: longest the mock holds a connection open without answering
    pause: float = 0.0       # ok: seconds between stream events (a slow but healthy upstream)


@dataclass
class Seen:
    """One request head as the mock received it."""
    method: str
    path: str
    key: str
    head_bytes: int
    header_count: int
    refused: bool = False
    request_id: str = ""
    model: str | None = None
    body_bytes: int = 0
    at: float = field(default_factory=time.time)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "faulty-upstream"
    sys_version = ""

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        # Head and body go out in separate writes; without this, Nagle's algorithm holds the body back until the
        # gateway's delayed ACK (about 40 ms), and every answer would look 40 ms slow.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    # -- heads -------------------------------------------------------------------------------------------

    def parse_request(self):
        upstream = self.server.upstream
        if not super().parse_request():
            # http.server already answered (431 for a line over 64 KiB or over 100 fields, 414, 400) and closes.
            upstream.record(Seen(self.command or "?", self.path or "?", "", -1, -1, refused=True))
            return False
        head_bytes = sum(len(name) + len(value) + 4 for name, value in self.headers.items())
        if head_bytes > MAX_HEAD_BYTES:
            upstream.record(Seen(self.command, self.path, self.key(), head_bytes, len(self.headers), refused=True))
            self.close_connection = True
            body = b'{"error":"request header fields too large"}'
            self.send_response(431)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.send_header("connection", "close")
            self.end_headers()
            self.wfile.write(body)
            return False
        return True

    def key(self):
        auth = self.headers.get("authorization") or ""
        return auth[7:] if auth.lower().startswith("bearer ") else ""

    def read_body(self):
        if (self.headers.get("transfer-encoding") or "").lower() == "chunked":
            raw = b""
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return raw
                raw += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    # -- answers -----------------------------------------------------------------------------------------

    def send_plain(self, status, payload, extra=None, declared=None, body=None):
        data = body if body is not None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(declared if declared is not None else len(data)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        return data

    def start_stream(self, path):
        self.send_response(200)
        ndjson = path.startswith("/api/")
        self.send_header("content-type", "application/x-ndjson" if ndjson else "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        self.wfile.flush()

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def end_stream(self):
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def hold(self, seconds):
        """Keeps the connection open without answering until the peer closes it or `seconds` pass."""
        sock = self.connection
        deadline = time.time() + seconds
        sock.settimeout(0.2)
        while time.time() < deadline and not self.server.upstream.stopping:
            try:
                if not sock.recv(4096):
                    break
            except socket.timeout:
                continue
            except OSError:
                break
        self.close_connection = True

    def reset(self):
        """Closes the connection with an RST (SO_LINGER 0) instead of a FIN."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True
        self.connection.close()

    def close_now(self):
        """Closes the connection with a FIN in the middle of the answer."""
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.close_connection = True

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def dispatch(self):
        upstream = self.server.upstream
        raw = self.read_body()
        try:
            request = json.loads(raw) if raw else {}
            if not isinstance(request, dict):
                request = {}
        except ValueError:
            request = {}
        path = self.path.split("?")[0]
        if path.startswith("/openrouter/"):
            path = path[len("/openrouter"):]
        key = self.key()
        head_bytes = sum(len(name) + len(value) + 4 for name, value in self.headers.items())
        model = request.get("model") if isinstance(request.get("model"), str) else None
        upstream.record(Seen(self.command, path, key, head_bytes, len(self.headers),
                             request_id=self.headers.get("x-request-id") or "", model=model, body_bytes=len(raw)))
        fault = upstream.fault(key)
        dialect = dialect_of(path)
        stream = request.get("stream", path in ("/api/chat", "/api/generate")) is True
        model = model or "m"

        if self.command == "GET":
            if fault.kind == "status":
                data = self.send_plain(fault.status, error_payload(dialect, fault.status, key),
                                       {"retry-after": fault.retry_after} if fault.retry_after else None)
                self.wfile.write(data)
                return
            self.answer_get(path)
            return

        kind = fault.kind
        if kind == "status":
            extra = {"retry-after": fault.retry_after} if fault.retry_after else None
            self.wfile.write(self.send_plain(fault.status, error_payload(dialect, fault.status, key), extra))
        elif kind == "reset":
            self.reset()
        elif kind == "garbage":
            self.wfile.write(GARBAGE)
            self.wfile.flush()
            self.close_connection = True
        elif kind == "hang":
            self.hold(fault.hold)
        elif kind == "stall_head":
            if stream:
                self.start_stream(path)
            else:
                self.send_plain(200, plain_answer(path, model, "".join(PIECES)))
                self.wfile.flush()
            self.hold(fault.hold)
        elif kind in ("stall", "cut"):
            if stream:
                self.start_stream(path)
                for event in stream_events(path, model, PIECES)[:fault.events]:
                    self.chunk(event)
            else:
                data = self.send_plain(200, plain_answer(path, model, "".join(PIECES)))
                self.wfile.write(data[:len(data) // 2])
                self.wfile.flush()
            if kind == "stall":
                self.hold(fault.hold)
            else:
                self.close_now()
        elif kind == "large":
            pieces = large_pieces(fault.size)
            if stream:
                self.start_stream(path)
                for event in stream_events(path, model, pieces):
                    self.chunk(event)
                self.end_stream()
            else:
                self.wfile.write(self.send_plain(200, plain_answer(path, model, "".join(pieces))))
        elif kind == "truncated_json":
            if stream:
                self.start_stream(path)
                events = stream_events(path, model, PIECES)
                for event in events[:2]:
                    self.chunk(event)
                self.chunk(events[2][:len(events[2]) // 2])
                self.end_stream()
            else:
                data = json.dumps(plain_answer(path, model, "".join(PIECES))).encode()
                truncated = data[:len(data) // 2]
                self.wfile.write(self.send_plain(200, None, body=truncated))
        else:
            self.answer_ok(path, model, stream, fault.pause)

    def answer_ok(self, path, model, stream, pause=0.0):
        if stream and (path.endswith("/chat/completions") or path.endswith("/v1/completions")
                       or path.endswith("/v1/messages") or path in ("/api/chat", "/api/generate")):
            self.start_stream(path)
            for index, event in enumerate(stream_events(path, model, PIECES)):
                if pause and index:
                    time.sleep(pause)
                self.chunk(event)
            self.end_stream()
        else:
            self.wfile.write(self.send_plain(200, plain_answer(path, model, "".join(PIECES))))

    def answer_get(self, path):
        if path.endswith("/v1/models"):
            payload = {"object": "list", "data": [
                {"id": "llama3.2:1b", "object": "model", "created": 1, "owned_by": "mock"},
                {"id": "gpt-oss:20b", "object": "model", "created": 1, "owned_by": "mock"}]}
        elif path == "/api/tags":
            payload = {"models": [{"name": "llama3.2:1b", "model": "llama3.2:1b", "modified_at": "2026-01-01T00:00:00Z",
                                   "size": 1, "digest": "abc", "details": {"format": "gguf", "family": "llama"}}]}
        elif path == "/api/version":
            payload = {"version": "0.12.0"}
        elif path == "/api/ps":
            payload = {"models": []}
        elif path.endswith("/v1/key"):
            payload = {"data": {"label": "mock", "usage": 0, "limit": None, "is_free_tier": False}}
        else:
            self.wfile.write(self.send_plain(404, {"error": "not found"}))
            return
        self.wfile.write(self.send_plain(200, payload))


class FaultyUpstream:
    """The running mock: per-key faults, and every request head it saw."""

    def __init__(self, port=0):
        self.faults = {}
        self.seen = []
        self.lock = threading.Lock()
        self.stopping = False
        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.server.request_queue_size = 512
        self.server.upstream = self
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self):
        return "http://127.0.0.1:%d" % self.server.server_address[1]

    def set(self, key, fault):
        with self.lock:
            self.faults[key] = fault

    def fault(self, key):
        with self.lock:
            return self.faults.get(key) or Fault()

    def record(self, seen):
        with self.lock:
            self.seen.append(seen)

    def requests(self, key=None):
        """The heads seen so far (for one key when given)."""
        with self.lock:
            return [seen for seen in self.seen if key is None or seen.key == key]

    def hits(self, key):
        return len(self.requests(key))

    def close(self):
        self.stopping = True
        self.server.shutdown()
        self.server.server_close()


if __name__ == "__main__":
    upstream = FaultyUpstream(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    print(upstream.server.server_address[1], flush=True)
    threading.Event().wait()
