"""Hostile clients: oversized heads, request smuggling, path traversal, slowloris, idle and connection floods,
descriptor exhaustion. Nothing hostile may reach the upstream, crash the gateway, bypass auth, serve a file that
is not a web asset, or count against a key."""

import json
import re
import resource
import select
import socket
import threading
import time
from collections import Counter

import pytest

from conftest import (ADMIN, CANARY, Answer, EXPECTED_TEXT, Raw, assert_dialect_error, chat_body, parse_raw_answer,
                      read_stream)
from faulty_upstream import Fault

GOOD = "good-hostile-key-0001"
SLACK = 3.0


@pytest.fixture(scope="module")
def pooled(gateway):
    gateway.delete_all_keys()
    gateway.upstream.set(GOOD, Fault())
    gateway.add_key(GOOD)
    return gateway


def proxied_head(gateway, path, body, extra=b""):
    return (("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\n"
             % (path, gateway.token)).encode() + extra + b"Content-Length: %d\r\n\r\n" % len(body) + body)


# -- oversized heads --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", ["one 64 KiB field", "40 fields of 1 KiB"])
@pytest.mark.parametrize("path,dialect", [("/v1/chat/completions", "openai"), ("/api/chat", "ollama"),
                                          ("/v1/messages", "anthropic"), ("/admin/api-keys", "admin")])
def test_huge_header_block_gets_431_and_is_never_forwarded(pooled, shape, path, dialect):
    if shape.startswith("one"):
        headers = {"X-Big": "a" * 65536}
    else:
        headers = {"X-Fill-%02d" % index: "b" * 1024 for index in range(40)}
    headers["authorization"] = "Bearer " + (ADMIN if dialect == "admin" else pooled.token)
    seen = len(pooled.upstream.requests())
    answer = pooled.call("POST", path, chat_body("openai", False), headers)
    assert answer.status == 431, answer
    assert_dialect_error(dialect, answer)
    assert pooled.upstream.requests()[seen:] == [], "the upstream saw the huge head"
    assert pooled.client("POST", "/v1/chat/completions", chat_body("openai", False)).status == 200


def test_too_many_header_fields_get_431(pooled):
    headers = {"X-Many-%03d" % index: "v" for index in range(150)}
    headers["authorization"] = "Bearer " + pooled.token
    seen = len(pooled.upstream.requests())
    answer = pooled.call("POST", "/v1/chat/completions", chat_body("openai", False), headers)
    assert answer.status == 431, answer
    assert_dialect_error("openai", answer)
    assert pooled.upstream.requests()[seen:] == []


@pytest.mark.parametrize("path,dialect", [("/v1/chat/completions", "openai"), ("/api/tags", "ollama"),
                                          ("/admin/api-keys", "admin"), ("/v1/models", "openai")])
def test_overlong_uri_gets_414(pooled, path, dialect):
    seen = len(pooled.upstream.requests())
    method = "POST" if path.endswith("completions") else "GET"
    answer = pooled.call(method, path + "?q=" + "u" * 10000, chat_body("openai", False) if method == "POST" else None,
                         {"authorization": "Bearer " + (ADMIN if dialect == "admin" else pooled.token)})
    assert answer.status == 414, answer
    assert_dialect_error(dialect, answer)
    assert pooled.upstream.requests()[seen:] == []


# -- smuggling --------------------------------------------------------------------------------------------------

def smuggled_request(gateway):
    body = json.dumps(chat_body("openai", False, model="smuggled-model")).encode()
    return proxied_head(gateway, "/v1/chat/completions", body)


SMUGGLING = {
    "CL and TE": lambda gateway, inner: (
        ("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\n"
         "Content-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n" % (gateway.token, 5 + len(inner))).encode()
        + b"0\r\n\r\n" + inner),
    "TE and CL": lambda gateway, inner: (
        ("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\n"
         "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n" % gateway.token).encode()
        + b"%x\r\n" % len(inner) + inner + b"\r\n0\r\n\r\n"),
    "two Content-Length values": lambda gateway, inner: (
        ("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\n"
         "Content-Length: 2\r\nContent-Length: %d\r\n\r\n" % (gateway.token, 2 + len(inner))).encode()
        + b"{}" + inner),
    "Content-Length list": lambda gateway, inner: (
        ("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\n"
         "Content-Length: 2, %d\r\n\r\n" % (gateway.token, 2 + len(inner))).encode() + b"{}" + inner),
    "obfuscated TE": lambda gateway, inner: (
        ("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\n"
         "Content-Length: %d\r\nTransfer-Encoding: xchunked\r\n\r\n" % (gateway.token, 5 + len(inner))).encode()
        + b"0\r\n\r\n" + inner),
}


@pytest.mark.parametrize("case", sorted(SMUGGLING))
def test_smuggling_attempt_gets_400_and_close_and_is_never_forwarded_twice(pooled, case):
    seen = len(pooled.upstream.requests())
    raw = Raw(pooled.port)
    try:
        raw.send(SMUGGLING[case](pooled, smuggled_request(pooled)))
        data, closed = raw.read_to_close(timeout=10)
    finally:
        raw.close()
    assert data.startswith(b"HTTP/1.1 400"), (case, data[:500])
    assert data.count(b"HTTP/1.1 ") == 1, "more than one answer: %r" % data[:1000]
    assert closed, "connection left open after a smuggling attempt: %r" % data[:500]
    forwarded = pooled.upstream.requests()[seen:]
    assert [request.model for request in forwarded if request.model == "smuggled-model"] == [], forwarded
    assert len(forwarded) == 0, forwarded
    assert pooled.alive()


@pytest.mark.parametrize("case", sorted(SMUGGLING))
def test_smuggling_refusal_is_a_json_error_in_the_route_dialect(pooled, case):
    """The house rule for bad input: a 4xx with a JSON error in the route's dialect (here OpenAI's, /v1)."""
    raw = Raw(pooled.port)
    try:
        raw.send(SMUGGLING[case](pooled, smuggled_request(pooled)))
        data, _ = raw.read_to_close(timeout=10)
    finally:
        raw.close()
    status, headers, body = parse_raw_answer(data)
    assert status == 400, data[:400]
    assert_dialect_error("openai", Answer(status, headers, body))


# -- path traversal ---------------------------------------------------------------------------------------------

ADMIN_PATHS = [
    "/../admin/api-keys", "/../admin/keys", "/%2e%2e/admin/api-keys", "/%2e%2e/admin", "//admin/api-keys",
    "/admin//api-keys", "/./admin/api-keys", "/admin/./api-keys", "/x/../admin/api-keys", "/admin/../admin/api-keys",
    "/%61dmin/api-keys", "/ADMIN/api-keys", "/Admin/Api-Keys", "/admin%2fapi-keys", "/admin/api-keys/",
    "/admin/api-keys;x", "/admin/api-keys%00", "/admin/api-keys%20", "/admin/public-stats/../api-keys",
    "/admin/public-stats/..%2fapi-keys", "/admin/public-stats%2f..%2fapi-keys", "/stats/../admin/tokens",
    "/..;/admin/tokens", "/admin;/tokens", "/admin/tokens/../tokens", "/v1/../admin/tokens", "/api/../admin/stats",
    "/admin/stats#", "/admin\\api-keys", "/%2fadmin/api-keys", "/admin/api-keys?provider=ollama&x=/../",
]
FILE_PATHS = [
    "/assets/../../etc/passwd", "/assets/..%2f..%2f..%2fetc%2fpasswd", "/assets/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/assets/....//....//etc/passwd", "/static/../../etc/passwd", "/assets/../canary.txt", "/assets/..%2fcanary.txt",
    "/canary.txt", "/assets/%2e%2e%2fcanary.txt", "/assets/../../../../proc/self/environ",
    "/assets/..%5c..%5cetc%5cpasswd", "/assets//etc/passwd", "/assets/%252e%252e/%252e%252e/etc/passwd",
    "/../../../../../../etc/passwd", "/assets/../data/pool.sqlite", "/assets/../data/pool.sqlite.key",
    "/data/pool.sqlite", "/openapi.json/../canary.txt", "/dashboard/../../canary.txt", "/assets/%00../canary.txt",
    "/assets/..", "/assets/.", "/assets/", "/assets", "/proc/self/environ", "/gateway.log", "/assets/../gateway.log",
]
FORBIDDEN_CONTENT = [b"root:x:0:0", CANARY.encode(), ADMIN.encode(), b"SQLite format 3", b"HOME=", b"PATH=",
                     b"ADMIN_TOKEN=", GOOD.encode()]


@pytest.fixture(scope="module")
def web_bodies(pooled):
    """Every body the web routes serve: the pages, /openapi.json and the assets they link."""
    bodies = set()
    for page in ("/", "/dashboard", "/stats", "/api-docs", "/openapi.json"):
        answer = pooled.call("GET", page)
        assert answer.status == 200, (page, answer)
        bodies.add(answer.body)
        for asset in set(re.findall(rb'(/assets/[^"\'?\s>]+)', answer.body)):
            linked = pooled.call("GET", asset.decode())
            if linked.status == 200:
                bodies.add(linked.body)
    return bodies


def raw_get(gateway, path, token=None):
    raw = Raw(gateway.port)
    try:
        auth = ("Authorization: Bearer %s\r\n" % token) if token else ""
        raw.send(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sConnection: close\r\n\r\n" % (path, auth)).encode())
        data, _ = raw.read_to_close(timeout=10)
    finally:
        raw.close()
    return parse_raw_answer(data)


@pytest.mark.parametrize("path", ADMIN_PATHS)
@pytest.mark.parametrize("who", ["anonymous", "client"])
def test_admin_traversal_does_not_bypass_auth(pooled, path, who):
    key_ids = list(pooled.keys())
    status, headers, body = raw_get(pooled, path, pooled.token if who == "client" else None)
    assert status is not None, "no answer for %s" % path
    assert status < 500, (path, status, body[:300])
    assert not 200 <= status < 300, "admin data without the admin token at %s: %r" % (path, body[:300])
    for key_id in key_ids:
        assert key_id.encode() not in body, (path, body[:300])
    for forbidden in FORBIDDEN_CONTENT:
        assert forbidden not in body, (path, forbidden, body[:300])


@pytest.mark.parametrize("path", FILE_PATHS)
def test_traversal_serves_nothing_outside_the_web_assets(pooled, web_bodies, path):
    status, headers, body = raw_get(pooled, path)
    assert status is not None, "no answer for %s" % path
    assert status < 500, (path, status, body[:300])
    for forbidden in FORBIDDEN_CONTENT:
        assert forbidden not in body, (path, forbidden, body[:300])
    if status == 200:
        assert body in web_bodies, "%s served something that is not a web asset: %r" % (path, body[:300])


# -- slow and idle clients --------------------------------------------------------------------------------------

def seconds_until_closed(raw, drip=None, limit=12.0):
    """Drips `drip` one byte at a time (every 0.25 s) and waits for the gateway to close; returns (seconds, data),
    seconds None when it stayed open for `limit`."""
    started = time.time()
    data, index = b"", 0
    while time.time() - started < limit:
        if drip is not None and index < len(drip):
            try:
                raw.sock.sendall(drip[index:index + 1])
            except OSError:
                return time.time() - started, data
            index += 1
        piece, closed = raw.read_to_close(timeout=0.25)
        data += piece
        if closed:
            return time.time() - started, data
    return None, data


def check_timeout_answer(data):
    """Only a 408 with a JSON error may come before the close."""
    if data:
        status, headers, body = parse_raw_answer(data)
        assert status == 408, data[:400]
        assert isinstance(json.loads(body)["error"], str), data[:400]


@pytest.fixture(scope="module")
def header_timeout_gateway(launch, upstream):
    gateway = launch({"HEADER_TIMEOUT": 1, "IDLE_TIMEOUT": 60})
    upstream.set(GOOD, Fault())
    gateway.add_key(GOOD)
    return gateway


@pytest.mark.connection_setting("HEADER_TIMEOUT")
def test_slowloris_head_is_cut_after_header_timeout(header_timeout_gateway):
    drip = ("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
            "X-Slow: %s" % (header_timeout_gateway.token, "s" * 200)).encode()
    raw = Raw(header_timeout_gateway.port)
    try:
        seconds, data = seconds_until_closed(raw, drip)
    finally:
        raw.close()
    assert seconds is not None, "a head dripped byte by byte stayed open for 12 s with HEADER_TIMEOUT=1"
    assert seconds <= 1 + SLACK, seconds
    check_timeout_answer(data)
    assert header_timeout_gateway.client("POST", "/v1/chat/completions", chat_body("openai", False)).status == 200


@pytest.mark.connection_setting("HEADER_TIMEOUT")
def test_slowloris_second_head_on_a_kept_alive_connection_is_cut(header_timeout_gateway):
    raw = Raw(header_timeout_gateway.port)
    try:
        raw.send(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        status, _, _, _ = raw.read_response()
        assert status == 200
        seconds, data = seconds_until_closed(raw, b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"s" * 200)
    finally:
        raw.close()
    assert seconds is not None, "a second head dripped byte by byte stayed open for 12 s with HEADER_TIMEOUT=1"
    assert seconds <= 1 + SLACK, seconds
    check_timeout_answer(data)


@pytest.fixture(scope="module")
def idle_gateway(launch, upstream):
    gateway = launch({"IDLE_TIMEOUT": 1, "STREAM_IDLE_TIMEOUT": 5, "FIRST_BYTE_TIMEOUT": 5})
    upstream.set(GOOD, Fault())
    gateway.add_key(GOOD)
    return gateway


def test_idle_keep_alive_connection_is_closed_after_idle_timeout(idle_gateway):
    raw = Raw(idle_gateway.port)
    try:
        raw.send(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        status, _, _, _ = raw.read_response()
        assert status == 200
        seconds, data = seconds_until_closed(raw)
    finally:
        raw.close()
    assert seconds is not None and seconds <= 1 + SLACK, seconds
    assert data == b"", data[:300]


def test_silent_connection_is_closed_after_idle_timeout(idle_gateway):
    raw = Raw(idle_gateway.port)
    try:
        seconds, data = seconds_until_closed(raw)
    finally:
        raw.close()
    assert seconds is not None and seconds <= 1 + SLACK, seconds
    check_timeout_answer(data)


def test_slow_stream_outlives_the_idle_timeout(idle_gateway, upstream):
    """A stream whose events come 1.5 s apart is a busy connection, not an idle one."""
    slow = "slow-stream-key-0001"
    upstream.set(slow, Fault(pause=1.5))
    idle_gateway.delete_all_keys()
    idle_gateway.add_key(slow)
    try:
        answer = idle_gateway.client("POST", "/v1/chat/completions", chat_body("openai", True), timeout=30)
        assert answer.status == 200, answer
        assert read_stream("openai", answer.body) == (EXPECTED_TEXT, [], True), answer
    finally:
        idle_gateway.delete_all_keys()
        idle_gateway.add_key(GOOD)


# -- connection limits ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def limited_gateway(launch, upstream):
    gateway = launch({"MAX_CONNECTIONS": 8, "IDLE_TIMEOUT": 60, "HEADER_TIMEOUT": 30})
    upstream.set(GOOD, Fault())
    gateway.add_key(GOOD)
    return gateway


@pytest.mark.connection_setting("MAX_CONNECTIONS")
def test_connections_beyond_max_connections_get_503_or_close_and_service_resumes(limited_gateway):
    held = []
    try:
        for _ in range(8):
            raw = Raw(limited_gateway.port)
            raw.send(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            status, _, _, _ = raw.read_response()
            assert status == 200
            held.append(raw)
        extra = Raw(limited_gateway.port)
        try:
            try:
                extra.send(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            except OSError:
                pass
            data, closed = extra.read_to_close(timeout=5)
        finally:
            extra.close()
        assert closed, "connection 9 of MAX_CONNECTIONS=8 stayed open: %r" % data[:300]
        if data:
            status, headers, body = parse_raw_answer(data)
            assert status == 503, data[:400]
            assert isinstance(json.loads(body)["error"], (str, dict)), data[:400]
            assert int(headers["retry-after"]) >= 1, headers
        assert limited_gateway.alive()
    finally:
        for raw in held:
            raw.close()
    deadline = time.time() + 10
    while True:
        answer = limited_gateway.client("POST", "/v1/chat/completions", chat_body("openai", False), timeout=5)
        if answer.status == 200 or time.time() > deadline:
            break
        time.sleep(0.2)
    assert answer.status == 200, "no service after the connections dropped: %r" % answer


@pytest.fixture(scope="module", params=["auto", "10000"], ids=["max-connections-auto", "max-connections-10000"])
def starved_gateway(launch, upstream, request):
    """RLIMIT_NOFILE 256. MAX_CONNECTIONS unset derives its limit from that (refusing connections before the
    descriptors run out); 10000 lets the flood exhaust the descriptors themselves."""
    settings = {"IDLE_TIMEOUT": 60, "FIRST_BYTE_TIMEOUT": 5}
    if request.param != "auto":
        settings["MAX_CONNECTIONS"] = request.param
    gateway = launch(settings, nofile=256)
    for index in range(3):
        secret = "flood-good-key-%04d" % index
        upstream.set(secret, Fault())
        gateway.add_key(secret)
    return gateway


def is_overload_refusal(answer):
    """503 with OpenAI's code `gateway_overloaded`, or the connection limit's 503 (`{"error": ...}`, Retry-After,
    connection closed), which is answered before the request's route (and so its dialect) is known."""
    if answer.status != 503:
        return False
    error = answer.json()["error"]
    if isinstance(error, dict):
        return error.get("code") == "gateway_overloaded"
    return isinstance(error, str) and int(answer.header("retry-after")) >= 1 and answer.header("connection") == "close"


class Flood(threading.Thread):
    """Keeps `size` silent connections open to the gateway (replacing those it closes) until stopped."""

    def __init__(self, port, size=400):
        super().__init__(daemon=True)
        self.port, self.size = port, size
        self.sockets = []
        self.opened = 0
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            while len(self.sockets) < self.size:
                # Non-blocking connects: once the gateway stops accepting, the backlog fills and connects would block.
                sock = socket.socket()
                sock.setblocking(False)
                sock.connect_ex(("127.0.0.1", self.port))
                self.sockets.append(sock)
                self.opened += 1
            readable, _, _ = select.select(self.sockets, [], [], 0.05)
            for sock in readable:
                try:
                    closed = sock.recv(65536) == b""
                except OSError:
                    closed = True
                if closed:
                    sock.close()
                    self.sockets.remove(sock)

    def stop(self):
        self.stopping.set()
        self.join(timeout=10)
        for sock in self.sockets:
            sock.close()


def test_descriptor_flood_under_low_nofile(starved_gateway):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < min(hard, 4096):
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    assert starved_gateway.client("POST", "/v1/chat/completions", chat_body("openai", False)).status == 200
    outcomes = []
    flood = Flood(starved_gateway.port)
    flood.start()
    try:
        time.sleep(1)
        ends = time.time() + 6
        index = 0
        while time.time() < ends and starved_gateway.alive():
            answer = starved_gateway.client("POST", "/v1/chat/completions", chat_body("openai", index % 2 == 1),
                                            timeout=5)
            index += 1
            outcomes.append(answer)
            if answer.status == 200 or answer.status is None:
                continue  # served; or refused, reset or never accepted: allowed
            assert is_overload_refusal(answer), answer
        assert starved_gateway.alive(), starved_gateway.log_tail()
    finally:
        flood.stop()
    deadline = time.time() + 15
    while True:
        answer = starved_gateway.client("POST", "/v1/chat/completions", chat_body("openai", False), timeout=5)
        if answer.status == 200 or time.time() > deadline:
            break
        time.sleep(0.3)
    assert answer.status == 200, "no service after the flood: %r" % answer
    stream = starved_gateway.client("POST", "/v1/chat/completions", chat_body("openai", True))
    assert read_stream("openai", stream.body) == (EXPECTED_TEXT, [], True), stream
    for key in starved_gateway.keys().values():
        assert key["status"] == "active" and key["consecutive_failures"] == 0, key
    print("flood: %d connections opened; answers during it: %s"
          % (flood.opened, Counter(answer.status or answer.error for answer in outcomes)))
