"""Every upstream fault × stream / non-stream × dialect, with and without a healthy second key.

One gateway serves the whole matrix (1-second upstream timeouts); each case empties the pool through the admin
API and adds fresh keys: the faulty one, and the healthy one when the case has it. Requests are sent until the
faulty key has been tried (rotation may pick the healthy one first); that answer is the one judged:

- a fault before the first byte reached the client, with a healthy key: the healthy key's answer;
- a stream that breaks after bytes were sent: the events so far, then an error event in the route's dialect (or
  a cut transfer), never a stream that looks finished;
- no healthy key: an error in the route's dialect (503 with the reasons when keys were refused, 502 when the
  upstream failed), never a 500, never the upstream's own 401, never an upstream secret;

and then the key's status in `GET /admin/api-keys` follows the rule (401/403 → invalid, 402 and 429 → cooling,
5xx / transport faults / timeouts → a failure counted)."""

import time
from datetime import datetime

import pytest

import faulty_upstream
from conftest import EXPECTED_TEXT, ROUTES, answer_text, assert_dialect_error, chat_body, read_stream, unique
from faulty_upstream import Fault, SECRET_MARKER

LARGE = 3 * 1024 * 1024

FAULTS = {
    "401": Fault("status", 401),
    "402": Fault("status", 402),
    "403": Fault("status", 403),
    "429": Fault("status", 429, retry_after="120"),
    "500": Fault("status", 500),
    "502": Fault("status", 502),
    "503": Fault("status", 503),
    "reset": Fault("reset"),
    "garbage": Fault("garbage"),
    "hang": Fault("hang"),
    "stall_head": Fault("stall_head"),
    "stall": Fault("stall"),
    "cut": Fault("cut"),
    "large": Fault("large", size=LARGE),
    "truncated_json": Fault("truncated_json"),
}
REFUSALS = {"401": "rejected", "403": "rejected", "402": "credit", "429": "rate-limited"}
TRANSPORT = {"500", "502", "503", "reset", "garbage", "hang", "stall_head"}
MID_BODY = {"stall", "cut"}


@pytest.fixture(scope="module")
def matrix_gateway(launch):
    return launch({"FIRST_BYTE_TIMEOUT": 1, "STREAM_IDLE_TIMEOUT": 1, "CONNECT_TIMEOUT": 1, "MAX_RETRIES": 3,
                   "FAILURE_THRESHOLD": 3})


def parse_time(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def check_honest(dialect, answer, secrets):
    """What holds for every answer: no 500, no bare 401 from upstream, no secret, errors in the dialect."""
    assert answer.status != 500, answer
    assert answer.status != 401, "the upstream's 401 reached the client: %r" % answer
    for secret in secrets | {SECRET_MARKER}:
        assert secret.encode() not in answer.body, "secret %r in the answer: %r" % (secret, answer)
    if answer.status is not None and answer.status >= 400:
        return assert_dialect_error(dialect, answer)
    return None


def check_healthy(dialect, stream, answer, expected=EXPECTED_TEXT):
    assert answer.status == 200 and answer.complete, answer
    if stream:
        text, errors, finished = read_stream(dialect, answer.body)
        assert errors == [] and finished, answer
        assert text == expected, "stream text differs (%d vs %d characters)" % (len(text), len(expected))
    else:
        assert answer_text(dialect, answer.json()) == expected


def check_broken_stream(dialect, answer, sent_events):
    """A stream that broke after `sent_events` events: those, then an in-dialect error event or a cut transfer."""
    assert answer.status == 200, answer
    text, errors, finished = read_stream(dialect, answer.body)
    assert not finished, "a broken stream looks finished: %r" % answer
    expected = "".join(faulty_upstream.PIECES[:sent_events]) if dialect != "anthropic" else ""
    assert text == expected, answer
    assert errors or not answer.complete, "stream ended cleanly without an error event: %r" % answer
    for error in errors:
        if dialect == "anthropic":
            assert error.get("type") == "error" and isinstance(error["error"].get("message"), str), error
        elif dialect == "openai":
            assert isinstance(error["error"].get("message"), str) and error["error"].get("type"), error
        else:
            assert isinstance(error.get("error"), str), error


@pytest.mark.parametrize("healthy", [True, False], ids=["with-healthy-key", "alone"])
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("dialect", sorted(ROUTES))
@pytest.mark.parametrize("fault", list(FAULTS))
def test_fault(matrix_gateway, fault, dialect, stream, healthy):
    gateway = matrix_gateway
    upstream = gateway.upstream
    gateway.delete_all_keys()
    faulty = unique("faulty-" + fault)
    upstream.set(faulty, FAULTS[fault])
    faulty_id = gateway.add_key(faulty)
    secrets = {faulty}
    healthy_id = None
    if healthy:
        good = unique("healthy")
        upstream.set(good, Fault())
        healthy_id = gateway.add_key(good)
        secrets.add(good)

    subject = None
    started = time.time()
    for _ in range(3):
        hits = upstream.hits(faulty)
        answer = gateway.client("POST", ROUTES[dialect], chat_body(dialect, stream), timeout=30)
        check_honest(dialect, answer, secrets)
        if upstream.hits(faulty) > hits:
            subject = answer
            break
        # The healthy key served this one.
        check_healthy(dialect, stream, answer)
    assert subject is not None, "the faulty key was never tried"
    assert gateway.alive()
    answer = subject
    large_text = "".join(faulty_upstream.large_pieces(LARGE))

    if fault == "large":
        check_healthy(dialect, stream, answer, expected=large_text)
    elif fault == "truncated_json":
        assert answer.status in (200, 502), answer
    elif fault in MID_BODY and stream:
        check_broken_stream(dialect, answer, FAULTS[fault].events)
    elif healthy:
        if fault in MID_BODY:
            # A plain answer read whole before it is relayed can still fail over; one relayed as it arrives
            # must then end in a cut transfer or an error status, never look complete.
            assert (answer.status == 200 and answer.complete) or not answer.complete or answer.status == 502, answer
            if answer.status == 200 and answer.complete:
                check_healthy(dialect, stream, answer)
        else:
            check_healthy(dialect, stream, answer)
            assert answer.header("x-pool-attempts") == "2", answer
    elif fault in REFUSALS:
        assert answer.status == 503, answer
        message = check_honest(dialect, answer, secrets)
        assert REFUSALS[fault] in message, message
        if dialect == "openai":
            assert answer.json()["error"]["code"] == "pool_exhausted", answer
        if fault in ("429", "402"):
            assert int(answer.header("retry-after")) >= 1, answer
    else:
        # 5xx, transport faults and timeouts on the only key (plain answers cut mid-body included).
        if fault in MID_BODY and answer.status == 200:
            assert not answer.complete, answer
        else:
            assert answer.status == 502, answer
            if dialect == "openai":
                assert answer.json()["error"]["code"] == "upstream_failed", answer

    keys = gateway.keys()
    key = keys[faulty_id]
    if fault in ("401", "403"):
        assert key["status"] == "invalid", key
    elif fault in ("402", "429"):
        assert key["status"] == "cooling", key
        until = parse_time(key["cooling_until"]).timestamp()
        if fault == "429":
            assert "rate" in key["status_reason"], key
            assert started + 60 <= until <= time.time() + 200, ("Retry-After: 120 not honoured", key)
        else:
            assert "credit" in key["status_reason"], key
            assert until >= started + 1800, ("out of credit should cool long (README: 1 h)", key)
    elif fault in TRANSPORT or fault in MID_BODY:
        assert key["status"] in ("active", "disabled"), key
        assert key["consecutive_failures"] >= 1 or key["status"] == "disabled", key
        assert key["stats"]["failure_count"] >= 1, key
    elif fault == "large":
        assert key["status"] == "active" and key["consecutive_failures"] == 0, key
        assert key["stats"]["success_count"] >= 1, key
    else:
        assert key["status"] == "active", key
    if healthy_id:
        assert keys[healthy_id]["status"] == "active", keys[healthy_id]
        assert keys[healthy_id]["consecutive_failures"] == 0, keys[healthy_id]
