"""Runs the real gateway binary (OLLAMA_POOL_BIN) against the faulty mock upstream, on loopback only.

Each test module gets its own gateways (each with a temporary SQLite folder as its working directory); when the
module ends, every gateway it started must still be running (no crash) and its log must hold no secret; then it
is killed."""

import http.client
import json
import os
import resource
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import faulty_upstream  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
ADMIN = "hardening-admin-token-0123456789abcdef"
CANARY = "canary-outside-the-web-assets-5d1e"

ROUTES = {"openai": "/v1/chat/completions", "ollama": "/api/chat", "anthropic": "/v1/messages"}
EXPECTED_TEXT = "".join(faulty_upstream.PIECES)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "connection_setting(name): tests of a connection setting added for issue #12 (HEADER_TIMEOUT, "
                   "MAX_CONNECTIONS), written against the issue's description before the binary had them; "
                   "`-m connection_setting` runs them alone")


def binary():
    return os.environ.get("OLLAMA_POOL_BIN", str(ROOT / ".build" / "debug" / "ollama-pool"))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- HTTP over loopback -----------------------------------------------------------------------------------------

class Answer:
    """One HTTP answer as a client saw it: `status` None when no answer came; `complete` False when the body was
    cut short (the connection closed before the announced length or the last chunk)."""

    def __init__(self, status=None, headers=None, body=b"", complete=True, error=None):
        self.status = status
        self.headers = headers or {}
        self.body = body
        self.complete = complete
        self.error = error

    def header(self, name):
        return self.headers.get(name.lower())

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return "Answer(status=%r, complete=%r, error=%r, headers=%r, body=%r)" % (
            self.status, self.complete, self.error, self.headers, self.body[:600])


def call(port, method, path, body=None, headers=None, timeout=30.0):
    """One request on a fresh connection with http.client. `body` may be bytes, or anything JSON-encodable."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    sent = {"content-type": "application/json"} if data is not None else {}
    sent.update(headers or {})
    try:
        connection.request(method, path, body=data, headers=sent)
        response = connection.getresponse()
        received = {name.lower(): value for name, value in response.getheaders()}
        try:
            return Answer(response.status, received, response.read())
        except http.client.IncompleteRead as error:
            return Answer(response.status, received, error.partial, complete=False, error="incomplete read")
        except (ConnectionError, socket.timeout, OSError) as error:
            return Answer(response.status, received, b"", complete=False, error=repr(error))
    except (ConnectionError, http.client.HTTPException, socket.timeout, OSError) as error:
        return Answer(error=repr(error), complete=False)
    finally:
        connection.close()


class Raw:
    """A raw TCP connection to the gateway, for what http.client will not send."""

    def __init__(self, port, timeout=10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)

    def send(self, data):
        self.sock.sendall(data)

    def read_to_close(self, timeout=10.0):
        """Reads until the peer closes (returns (bytes, True)) or `timeout` passes (returns (bytes, False))."""
        deadline = time.time() + timeout
        data = b""
        while time.time() < deadline:
            ready, _, _ = select.select([self.sock], [], [], max(0.0, min(0.2, deadline - time.time())))
            if not ready:
                continue
            try:
                piece = self.sock.recv(65536)
            except ConnectionResetError:
                return data, True
            if not piece:
                return data, True
            data += piece
        return data, False

    def read_response(self, timeout=10.0):
        """Reads one answer delimited by Content-Length (or to close); returns (status, headers, body, rest)."""
        deadline = time.time() + timeout
        data = b""
        while b"\r\n\r\n" not in data and time.time() < deadline:
            ready, _, _ = select.select([self.sock], [], [], 0.2)
            if ready:
                piece = self.sock.recv(65536)
                if not piece:
                    break
                data += piece
        if b"\r\n\r\n" not in data:
            return None, {}, data, b""
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            length = int(headers["content-length"])
            while len(rest) < length and time.time() < deadline:
                ready, _, _ = select.select([self.sock], [], [], 0.2)
                if ready:
                    piece = self.sock.recv(65536)
                    if not piece:
                        break
                    rest += piece
            return status, headers, rest[:length], rest[length:]
        return status, headers, rest, b""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def parse_raw_answer(data):
    """(status, headers, body) of the first answer in raw bytes, or (None, {}, data)."""
    if b"\r\n\r\n" not in data:
        return None, {}, data
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split(" ")[1]), headers, body


# -- dialects ---------------------------------------------------------------------------------------------------

def chat_body(dialect, stream, model="llama3.2:1b", **extra):
    body = {"model": model, "messages": [{"role": "user", "content": "Hello"}], "stream": stream}
    if dialect == "anthropic":
        body["max_tokens"] = 16
    body.update(extra)
    return body


def assert_dialect_error(dialect, answer):
    """The body is an error in `dialect`'s shape (`admin` for the gateway's own routes); returns its message."""
    try:
        payload = answer.json()
    except ValueError:
        raise AssertionError("error answer is not JSON: %r" % (answer,))
    if dialect == "openai":
        assert isinstance(payload.get("error"), dict), answer
        assert isinstance(payload["error"].get("message"), str) and payload["error"].get("type"), answer
        assert "param" in payload["error"] and "code" in payload["error"], answer
        return payload["error"]["message"]
    if dialect == "anthropic":
        assert payload.get("type") == "error" and isinstance(payload.get("error"), dict), answer
        assert isinstance(payload["error"].get("message"), str) and payload["error"].get("type"), answer
        return payload["error"]["message"]
    assert isinstance(payload.get("error"), str) and payload["error"], answer
    return payload["error"]


def read_stream(dialect, body):
    """(text, error_events, finished) of a streamed answer: the content deltas joined, the error events, and
    whether the stream's own end marker came ([DONE], message_stop, done:true)."""
    text, errors, finished = "", [], False
    if dialect == "ollama":
        for line in body.split(b"\n"):
            if not line.strip():
                continue
            payload = json.loads(line)
            if "error" in payload:
                errors.append(payload)
                continue
            text += (payload.get("message") or {}).get("content", "") or payload.get("response", "")
            finished = finished or payload.get("done") is True
        return text, errors, finished
    for event in body.split(b"\n\n"):
        name, data = None, None
        for line in event.split(b"\n"):
            if line.startswith(b"event:"):
                name = line[6:].strip().decode()
            elif line.startswith(b"data:"):
                data = line[5:].strip()
        if data is None:
            continue
        if data == b"[DONE]":
            finished = True
            continue
        payload = json.loads(data)
        if name == "error" or (isinstance(payload, dict) and "error" in payload and dialect == "openai"):
            errors.append(payload)
            continue
        if dialect == "anthropic":
            if payload.get("type") == "content_block_delta":
                text += payload["delta"].get("text", "")
            finished = finished or payload.get("type") == "message_stop"
        else:
            for choice in payload.get("choices") or []:
                text += (choice.get("delta") or {}).get("content") or ""
    return text, errors, finished


def answer_text(dialect, payload):
    if dialect == "openai":
        return payload["choices"][0]["message"]["content"]
    if dialect == "anthropic":
        return "".join(block.get("text", "") for block in payload["content"])
    return payload["message"]["content"]


# -- the gateway ------------------------------------------------------------------------------------------------

class Gateway:
    """The real binary, serving on a free loopback port from its own temporary folder."""

    def __init__(self, upstream, settings=None, preexec_fn=None):
        self.upstream = upstream
        self.folder = tempfile.mkdtemp(prefix="pool-hardening-")
        Path(self.folder, "canary.txt").write_text(CANARY)
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.log_path = Path(self.folder, "gateway.log")
        self.secrets = {ADMIN}
        env = dict(os.environ, PORT=str(self.port), HOST="127.0.0.1", ADMIN_TOKEN=ADMIN, LOG_LEVEL="info",
                   DATABASE_URL="sqlite:" + self.folder + "/data/pool.sqlite", OLLAMA_UPSTREAM_URL=upstream.base,
                   OPENROUTER_UPSTREAM_URL=upstream.base + "/openrouter", HEALTH_CHECK_INTERVAL="0",
                   IDLE_PROBE_SECONDS="0", PROBE_TIMEOUT="3",
                   # The auth matrix and schemathesis send wrong credentials by the hundred from loopback: the
                   # per-IP lock-out (tested in the Swift suite) would answer them 429 instead of 401.
                   AUTH_FAILURES_PER_MINUTE="0")
        env.update({name: str(value) for name, value in (settings or {}).items()})
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen([binary(), "serve"], env=env, cwd=self.folder, stdin=subprocess.DEVNULL,
                                        stdout=self.log, stderr=subprocess.STDOUT, preexec_fn=preexec_fn)
        deadline = time.time() + 60
        while True:
            answer = call(self.port, "GET", "/health", timeout=2)
            if answer.status == 200:
                break
            if self.process.poll() is not None or time.time() > deadline:
                raise RuntimeError("gateway did not start: " + self.log_tail())
            time.sleep(0.1)
        self.token = self.create_token("hardening")

    # plumbing
    def call(self, method, path, body=None, headers=None, timeout=30.0):
        return call(self.port, method, path, body, headers, timeout)

    def admin(self, method, path, body=None, expect=None):
        answer = self.call(method, path, body, {"authorization": "Bearer " + ADMIN})
        if expect is not None:
            assert answer.status in (expect if isinstance(expect, tuple) else (expect,)), answer
        return answer

    def client(self, method, path, body=None, headers=None, timeout=30.0):
        sent = {"authorization": "Bearer " + self.token}
        sent.update(headers or {})
        return self.call(method, path, body, sent, timeout)

    def create_token(self, name, **fields):
        token = self.admin("POST", "/admin/tokens", dict(name=name, **fields), expect=(200, 201)).json()["token"]
        self.secrets.add(token)
        return token

    # keys
    def add_key(self, secret, provider="ollama"):
        """Adds one key; returns its id."""
        self.secrets.add(secret)
        answer = self.admin("POST", "/admin/api-keys", {"apiKey": secret, "provider": provider}, expect=(200, 201))
        return answer.json()["key"]["id"]

    def delete_all_keys(self, provider="ollama"):
        self.admin("POST", "/admin/keys/bulk", {"action": "delete", "status": "all", "provider": provider},
                   expect=200)

    def keys(self, provider="ollama"):
        """Every key of the pool, by id (all pages)."""
        found, page = {}, 1
        while True:
            answer = self.admin("GET", "/admin/api-keys?provider=%s&page=%d&pageSize=200" % (provider, page),
                                expect=200).json()
            for key in answer["keys"]:
                found[key["id"]] = key
            if page >= answer["total_pages"]:
                return found
            page += 1

    def tokens(self):
        answer = self.admin("GET", "/admin/tokens", expect=200).json()
        return {token["id"]: token for token in answer.get("tokens", answer.get("data", []))}

    # the process
    def alive(self):
        return self.process.poll() is None

    def log_tail(self, size=4000):
        self.log.flush()
        try:
            return self.log_path.read_bytes()[-size:].decode(errors="replace")
        except OSError:
            return ""

    def leaked_secrets(self):
        text = self.log_path.read_bytes().decode(errors="replace")
        return sorted(secret for secret in self.secrets | {faulty_upstream.SECRET_MARKER} if secret in text)

    def stop(self):
        if self.alive():
            self.process.kill()
        self.process.wait(timeout=30)
        self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def upstream():
    mock = faulty_upstream.FaultyUpstream()
    yield mock
    mock.close()


@pytest.fixture(scope="module")
def launch(upstream):
    """Starts gateways for one module (`launch(settings, nofile=N)`); afterwards each must still be alive and its
    log free of secrets, then it is killed."""
    started = []

    def start(settings=None, nofile=None):
        def limit_descriptors():
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
        gateway = Gateway(upstream, settings, limit_descriptors if nofile else None)
        started.append(gateway)
        return gateway

    yield start
    problems = []
    for gateway in started:
        if not gateway.alive():
            problems.append("gateway on port %d exited with %r; log tail:\n%s"
                            % (gateway.port, gateway.process.returncode, gateway.log_tail()))
        leaked = gateway.leaked_secrets()
        if leaked:
            problems.append("gateway on port %d logged secrets: %r" % (gateway.port, leaked))
        gateway.stop()
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def gateway(launch):
    """A gateway with the default limits and short upstream timeouts, shared by a module."""
    return launch({"FIRST_BYTE_TIMEOUT": 2, "STREAM_IDLE_TIMEOUT": 2, "CONNECT_TIMEOUT": 2})


def unique(prefix):
    return "%s-%s" % (prefix, os.urandom(6).hex())


def quote(path):
    return urllib.parse.quote(path)
