"""Hostile connections: slowloris heads, idle keep-alive connections, MAX_CONNECTIONS, and a descriptor flood under a
low RLIMIT_NOFILE. None may crash the gateway or count against a key, and service must resume once they end."""

import json
import resource
import select
import socket
import threading
import time
from collections import Counter

import pytest

from conftest import EXPECTED_TEXT, Raw, chat_body, parse_raw_answer, read_stream
from faulty_upstream import Fault

GOOD = "good-hostile-key-0001"
SLACK = 3.0


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
