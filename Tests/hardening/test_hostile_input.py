"""Hostile requests: oversized heads, request smuggling, path traversal. Nothing hostile may reach the upstream,
crash the gateway, bypass auth or serve a file that is not a web asset. (Slow clients and floods:
test_slow_clients_and_floods.py.)"""

import json
import re

import pytest

from conftest import ADMIN, CANARY, Answer, Raw, assert_dialect_error, chat_body, parse_raw_answer
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


def smuggling_head(gateway, framing):
    return ("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/json\r\n%s\r\n" % (gateway.token, framing)).encode()


SMUGGLING = {
    "CL and TE": lambda gateway, inner: smuggling_head(
        gateway, "Content-Length: %d\r\nTransfer-Encoding: chunked\r\n" % (5 + len(inner))) + b"0\r\n\r\n" + inner,
    "TE and CL": lambda gateway, inner: smuggling_head(
        gateway, "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n")
    + b"%x\r\n" % len(inner) + inner + b"\r\n0\r\n\r\n",
    "two Content-Length values": lambda gateway, inner: smuggling_head(
        gateway, "Content-Length: 2\r\nContent-Length: %d\r\n" % (2 + len(inner))) + b"{}" + inner,
    "Content-Length list": lambda gateway, inner: smuggling_head(
        gateway, "Content-Length: 2, %d\r\n" % (2 + len(inner))) + b"{}" + inner,
    "obfuscated TE": lambda gateway, inner: smuggling_head(
        gateway, "Content-Length: %d\r\nTransfer-Encoding: xchunked\r\n" % (5 + len(inner)))
    + b"0\r\n\r\n" + inner,
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
