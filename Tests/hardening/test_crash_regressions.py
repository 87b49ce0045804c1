"""Each crash the gateway had, as a regression test against the real binary: a huge header forwarded to an upstream
that answers 431 and closes; extreme numbers in admin queries and bodies; malformed chunked request bodies;
HTTP/1.0 clients."""

import json

import pytest

from conftest import (ADMIN, EXPECTED_TEXT, Answer, ROUTES, Raw, answer_text, assert_dialect_error, chat_body,
                      parse_raw_answer, read_stream)
from faulty_upstream import Fault

BIG = "a" * (64 * 1024)


@pytest.fixture(scope="module")
def pooled(gateway):
    """The shared gateway with one good key."""
    gateway.delete_all_keys()
    secret = "good-crash-key-0001"
    gateway.add_key(secret)
    gateway.upstream.set(secret, Fault())
    return gateway


def test_the_mock_upstream_answers_431_to_a_huge_header_and_closes(upstream):
    """The upstream behaviour the gateway once crashed on, shown on the mock itself."""
    port = int(upstream.base.rsplit(":", 1)[1])
    seen = len(upstream.requests())
    raw = Raw(port)
    try:
        raw.send(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k-12345678\r\n"
                  "X-Big: %s\r\nContent-Length: 2\r\n\r\n{}" % BIG).encode())
        data, closed = raw.read_to_close(timeout=10)
    finally:
        raw.close()
    assert data.startswith(b"HTTP/1.") and b" 431 " in data.split(b"\r\n")[0], data[:200]
    assert closed
    assert [request.refused for request in upstream.requests()[seen:]] == [True]


@pytest.mark.parametrize("dialect", sorted(ROUTES))
def test_huge_header_gets_431_in_dialect_and_is_never_forwarded(pooled, dialect):
    route = ROUTES[dialect]
    normal = pooled.client("POST", route, chat_body(dialect, False))
    assert normal.status == 200, normal
    assert answer_text(dialect, normal.json()) == EXPECTED_TEXT

    seen_before = len(pooled.upstream.requests())
    big = pooled.client("POST", route, chat_body(dialect, False), headers={"X-Big": BIG})
    assert big.status == 431, big
    assert_dialect_error(dialect, big)
    new = pooled.upstream.requests()[seen_before:]
    assert not new, "the mock saw requests it should not have: %r" % new
    assert pooled.alive()

    again = pooled.client("POST", route, chat_body(dialect, False))
    assert again.status == 200, again
    assert answer_text(dialect, again.json()) == EXPECTED_TEXT


def test_huge_header_on_a_stream_and_a_model_list(pooled):
    seen_before = len(pooled.upstream.requests())
    for method, path, body in (("POST", "/v1/chat/completions", chat_body("openai", True)),
                               ("GET", "/v1/models", None), ("GET", "/api/tags", None)):
        answer = pooled.client(method, path, body, headers={"X-Big": BIG})
        assert answer.status == 431, (path, answer)
        assert_dialect_error("ollama" if path.startswith("/api") else "openai", answer)
    assert pooled.upstream.requests()[seen_before:] == []
    stream = pooled.client("POST", "/v1/chat/completions", chat_body("openai", True))
    assert stream.status == 200, stream
    assert read_stream("openai", stream.body)[0] == EXPECTED_TEXT


# -- extreme numbers on every admin route that takes numbers ---------------------------------------------------

HUGE_QUERY_VALUES = ["9223372036854775807", "9223372036854775808", "-9223372036854775808", "-1", "0",
                     "99999999999999999999999999", "1e308", "1.5", "NaN", "inf", "0x10", "%00", "", "+1", " 1"]


@pytest.mark.parametrize("name", ["page", "pageSize", "page_size"])
@pytest.mark.parametrize("value", HUGE_QUERY_VALUES)
def test_admin_key_list_with_extreme_query_numbers(pooled, name, value):
    query = "page=1&pageSize=20"
    query = "&".join(part for part in query.split("&") if not part.startswith(name + "="))
    answer = pooled.admin("GET", "/admin/api-keys?%s&%s=%s" % (query, name, value.replace(" ", "%20")))
    assert answer.status in (200, 400), answer
    payload = answer.json()
    if answer.status == 400:
        assert isinstance(payload.get("error"), str), answer
    else:
        assert isinstance(payload["keys"], list) and payload["total"] >= 0 and payload["page"] >= 1, answer
    assert pooled.alive()


def test_admin_key_list_page_far_past_the_end_is_an_empty_page_or_400(pooled):
    answer = pooled.admin("GET", "/admin/api-keys?page=9223372036854775807&pageSize=200")
    assert answer.status in (200, 400), answer
    if answer.status == 200:
        assert answer.json()["keys"] == [], answer
    assert pooled.alive()


EXTREME_NUMBERS = [b"9223372036854775807", b"9223372036854775808", b"-9223372036854775808", b"-1", b"0",
                   b"1e308", b"-1e308", b"1e309", b"-1e309", b"1e-320", b"123456789012345678901234567890",
                   b"0.5", b"-0.0", b"1.7976931348623157e308", b"4e15", b"\"9223372036854775807\"", b"true", b"null",
                   b"[1]", b"{}"]


def numeric_bodies(field_name, value):
    """(method, path, raw body) of each admin route that takes `field_name` as a number."""
    fresh = "extreme-%s-%s" % (field_name, value.hex())
    if field_name == "ttl":
        return [
            ("POST", "/admin/api-keys", b'{"apiKey":"%s-add","ttl":%s}' % (fresh.encode(), value)),
            ("POST", "/admin/api-keys/import", b'{"keys":["%s-imp"],"ttl":%s}' % (fresh.encode(), value)),
            ("POST", "/admin/api-keys/import-from-txt", b'{"content":"%s-txt","ttl":%s}' % (fresh.encode(), value)),
            ("POST", "/admin/import", b'{"accounts":["%s-acc"],"ttl":%s}' % (fresh.encode(), value)),
            ("POST", "/admin/api-keys/import-with-validation",
             b'{"keys":["%s-val"],"ttl":%s}' % (fresh.encode(), value)),
            ("POST", "/admin/tokens", b'{"name":"%s","ttl":%s}' % (fresh.encode(), value)),
            ("POST", "/admin/client-tokens", b'{"name":"%s-c","ttl":%s}' % (fresh.encode(), value)),
        ]
    return [
        ("POST", "/admin/keys/disable", b'{"apiKey":"good-crash-key-0001","duration":%s}' % value),
        ("POST", "/admin/keys/bulk", b'{"action":"disable","status":"all","duration":%s}' % value),
    ]


@pytest.mark.parametrize("field_name", ["ttl", "duration"])
@pytest.mark.parametrize("value", EXTREME_NUMBERS, ids=lambda value: value.decode())
def test_admin_bodies_with_extreme_numbers(pooled, field_name, value):
    for method, path, body in numeric_bodies(field_name, value):
        answer = pooled.call(method, path, body, {"authorization": "Bearer " + ADMIN})
        assert answer.status is not None and answer.status < 500, (path, body, answer)
        if answer.status >= 400:
            assert isinstance(answer.json().get("error"), str), (path, body, answer)
        assert pooled.alive(), (path, body)
    # Whatever was stored must still list and serve: dates far in the future or past must encode.
    for path in ("/admin/api-keys?pageSize=200", "/admin/tokens", "/admin/keys/stats", "/admin/stats",
                 "/admin/jobs", "/admin/public-stats"):
        listing = pooled.admin("GET", path)
        assert listing.status == 200, (path, listing)
        json.loads(listing.body)
    pooled.admin("POST", "/admin/keys/enable", {"apiKey": "good-crash-key-0001"}, expect=200)
    pooled.admin("POST", "/admin/keys/bulk", {"action": "enable", "status": "all"}, expect=200)
    normal = pooled.client("POST", "/v1/chat/completions", chat_body("openai", False))
    assert normal.status == 200, normal


# -- malformed chunked request bodies ---------------------------------------------------------------------------

MALFORMED_CHUNKS = {
    "non-hex size": b"zz\r\nhello\r\n0\r\n\r\n",
    "overlong size": b"fffffffffffffffff\r\nhello\r\n0\r\n\r\n",
    "size overflowing 64 bits": b"10000000000000000\r\nhello\r\n0\r\n\r\n",
    "bare LF lines": b"5\nhello\n0\n\n",
    "negative size": b"-5\r\nhello\r\n0\r\n\r\n",
    "size with garbage extension": b"5 ;\x00\r\nhello\r\n0\r\n\r\n",
    "data longer than size": b"2\r\nhello\r\n0\r\n\r\n",
}

CHUNKED_ROUTES = [
    ("/v1/chat/completions", "client"), ("/api/chat", "client"), ("/v1/messages", "client"),
    ("/admin/api-keys", "admin"), ("/admin/tokens", "admin"), ("/admin/api-keys/import", "admin"),
]


@pytest.mark.parametrize("route,who", CHUNKED_ROUTES)
@pytest.mark.parametrize("case", sorted(MALFORMED_CHUNKS))
def test_malformed_chunked_body_gets_400_and_close(pooled, route, who, case):
    token = ADMIN if who == "admin" else pooled.token
    head = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n" % (route, token)).encode()
    seen_before = len(pooled.upstream.requests())
    raw = Raw(pooled.port)
    try:
        raw.send(head + MALFORMED_CHUNKS[case])
        data, closed = raw.read_to_close(timeout=10)
    finally:
        raw.close()
    assert data.startswith(b"HTTP/1.1 400"), (case, route, data[:400])
    assert closed, "connection left open after a malformed chunked body (%s on %s): %r" % (case, route, data[:400])
    status, headers, body = parse_raw_answer(data)
    dialect = {"/v1/chat/completions": "openai", "/api/chat": "ollama", "/v1/messages": "anthropic"}.get(route, "admin")
    assert_dialect_error(dialect, Answer(status, headers, body))
    assert pooled.upstream.requests()[seen_before:] == []
    assert pooled.alive()


# -- HTTP/1.0 ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/health", "/admin/stats", "/v1/models", "/openapi.json"])
def test_http10_without_keep_alive_is_answered_and_closed(pooled, path):
    raw = Raw(pooled.port)
    try:
        raw.send(("GET %s HTTP/1.0\r\nAuthorization: Bearer %s\r\n\r\n"
                  % (path, ADMIN if path.startswith("/admin") else pooled.token)).encode())
        data, closed = raw.read_to_close(timeout=10)
    finally:
        raw.close()
    assert closed, "HTTP/1.0 connection without keep-alive stayed open: %r" % data[:300]
    status, headers, body = parse_raw_answer(data)
    assert status == 200, data[:400]
    assert "chunked" not in headers.get("transfer-encoding", ""), "chunked answer to an HTTP/1.0 client: %r" % headers
    if "content-length" in headers:
        assert len(body) == int(headers["content-length"])
    json.loads(body)


def test_http10_with_keep_alive_is_answered_with_a_length(pooled):
    raw = Raw(pooled.port)
    try:
        raw.send(b"GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        status, headers, body, _ = raw.read_response(timeout=10)
        assert status == 200, (status, headers, body)
        json.loads(body)
        # It may stay open; if it does, the answer had to say its length, and the next request works.
        data, closed = raw.read_to_close(timeout=0.5)
        if not closed:
            assert "content-length" in headers, headers
            raw.send(b"GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            status, _, body, _ = raw.read_response(timeout=10)
            assert status == 200
    finally:
        raw.close()


@pytest.mark.parametrize("dialect", sorted(ROUTES))
def test_http10_stream_is_not_chunked_and_ends_with_close(pooled, dialect):
    body = json.dumps(chat_body(dialect, True)).encode()
    raw = Raw(pooled.port)
    try:
        raw.send(("POST %s HTTP/1.0\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\n"
                  "Content-Length: %d\r\n\r\n" % (ROUTES[dialect], pooled.token, len(body))).encode() + body)
        data, closed = raw.read_to_close(timeout=15)
    finally:
        raw.close()
    assert closed, data[:400]
    status, headers, payload = parse_raw_answer(data)
    assert status == 200, data[:400]
    assert "chunked" not in headers.get("transfer-encoding", ""), "chunked answer to an HTTP/1.0 client: %r" % headers
    text, errors, finished = read_stream(dialect, payload)
    assert (text, errors, finished) == (EXPECTED_TEXT, [], True), payload[:600]
