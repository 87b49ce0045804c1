"""`GET /metrics` read by Prometheus' own text-format parser after known traffic: the counters equal the requests
made, the histograms' counts match, no label holds a key, token or request id, and the endpoint is guarded
(admin token or METRICS_TOKEN on the main port; METRICS_PORT open, for a private network)."""

import json
import os
import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import ADMIN, free_port, start_gateway

METRICS_TOKEN = "metrics-scraper-token-0123456789"
MODEL = "metrics-model"
ALLOWED_LABELS = {"provider", "route", "status_class", "model", "outcome", "kind", "status", "cache", "result",
                  "reason", "version", "le"}


class Scraped:
    def __init__(self, base, token, metrics_port, process):
        self.base = base
        self.token = token
        self.metrics_port = metrics_port
        self.process = process


def fetch(url, token=None, body=None):
    """(status, headers, text) of a request; errors are answers too."""
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = "Bearer " + token
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


@pytest.fixture(scope="module")
def scraped(mock_base):
    """A gateway of its own (the counts must be this module's traffic only), with METRICS_TOKEN and METRICS_PORT."""
    metrics_port = free_port()
    saved = {name: os.environ.get(name) for name in ("METRICS_TOKEN", "METRICS_PORT")}
    os.environ.update(METRICS_TOKEN=METRICS_TOKEN, METRICS_PORT=str(metrics_port))
    try:
        process, base, token = start_gateway(mock_base, {
            "ollama": ["bad-key-metrics-0001", "good-key-metrics-0001"],
            "openrouter": ["limited-key-metrics-01"],
        })
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    yield Scraped(base, token, metrics_port, process)
    process.terminate()
    process.wait(timeout=30)


def families(text):
    return {family.name: family for family in text_string_to_metric_families(text)}


def total(family_map, family, sample_name=None, **labels):
    """The sum of a family's samples (named `sample_name`, default the family's counter or gauge samples) whose
    labels include `labels`."""
    if family not in family_map:
        return 0
    wanted = sample_name or (family + "_total" if family_map[family].type == "counter" else family)
    return sum(sample.value for sample in family_map[family].samples
               if sample.name == wanted and all(sample.labels.get(k) == v for k, v in labels.items()))


def make_traffic(scraped):
    """Known traffic; returns how many requests of each kind were made."""
    chat = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}]}
    made = {"ok": 0, "stream": 0, "exhausted": 0, "unauthorized": 0}
    for _ in range(6):
        status, _, _ = fetch(scraped.base + "/v1/chat/completions", scraped.token, chat)
        assert status == 200
        made["ok"] += 1
    for _ in range(2):
        status, _, text = fetch(scraped.base + "/v1/chat/completions", scraped.token, dict(chat, stream=True))
        assert status == 200 and "[DONE]" in text
        made["stream"] += 1
    for _ in range(3):
        status, _, _ = fetch(scraped.base + "/openrouter/v1/chat/completions", scraped.token, chat)
        assert status in (502, 503)
        made["exhausted"] += 1
    status, _, _ = fetch(scraped.base + "/v1/chat/completions", "sk-not-a-client-token-000000", chat)
    assert status == 401
    made["unauthorized"] += 1
    return made


def scrape_when(scraped, expected_requests):
    """The families once `pool_requests_total` shows every request (a record is handed over as its answer's
    last byte goes out, a moment after the client may have read it)."""
    for _ in range(100):
        status, headers, text = fetch(scraped.base + "/metrics", ADMIN)
        assert status == 200
        parsed = families(text)
        if total(parsed, "pool_requests") >= expected_requests:
            return headers, text, parsed
    return headers, text, parsed


def test_counts_after_known_traffic(scraped):
    made = make_traffic(scraped)
    requests = sum(made.values())
    headers, text, parsed = scrape_when(scraped, requests)
    assert headers["content-type"].startswith("text/plain; version=0.0.4")

    # Counters equal the requests made.
    assert total(parsed, "pool_requests") == requests
    assert total(parsed, "pool_requests", provider="ollama", route="/v1/chat/completions", status_class="2xx",
                 model=MODEL) == made["ok"] + made["stream"]
    assert total(parsed, "pool_requests", provider="openrouter", status_class="5xx") == made["exhausted"]
    assert total(parsed, "pool_requests", status_class="4xx", model="none") == made["unauthorized"]

    # Histograms: every request in the duration and overhead histograms; +Inf bucket = count; buckets cumulative.
    for name in ("pool_request_duration_seconds", "pool_overhead_seconds"):
        assert total(parsed, name, name + "_count") == requests
    for family in parsed.values():
        if family.type != "histogram":
            continue
        series = {}
        for sample in family.samples:
            key = tuple(sorted((k, v) for k, v in sample.labels.items() if k != "le"))
            series.setdefault(key, {"buckets": []})
            if sample.name.endswith("_bucket"):
                series[key]["buckets"].append((float(sample.labels["le"]), sample.value))
            elif sample.name.endswith("_count"):
                series[key]["count"] = sample.value
        for key, data in series.items():
            buckets = sorted(data["buckets"])
            assert buckets[-1] == (float("inf"), data["count"]), (family.name, key)
            assert all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:])), (family.name, key)
    assert min(float(s.labels["le"]) for s in parsed["pool_request_duration_seconds"].samples
               if s.name.endswith("_bucket")) == 0.0001

    # Attempts: the rejected key once (then it is invalid), the rate-limited one once (then it cools down); a
    # retry histogram entry per request that reached an upstream, summing to the failovers.
    assert total(parsed, "pool_upstream_attempts", provider="ollama", outcome="rejected") == 1
    assert total(parsed, "pool_upstream_attempts", provider="ollama", outcome="success") == made["ok"] + made["stream"]
    assert total(parsed, "pool_upstream_attempts", provider="openrouter", outcome="rate_limited") == 1
    assert total(parsed, "pool_request_retries", "pool_request_retries_count", provider="ollama") == \
        made["ok"] + made["stream"]
    assert total(parsed, "pool_request_retries", "pool_request_retries_sum", provider="ollama") == 1

    # Streams: both ended; tokens as the mock reports them (3 prompt, 6 completion per answer, streams included).
    assert total(parsed, "pool_stream_duration_seconds", "pool_stream_duration_seconds_count") == made["stream"]
    assert total(parsed, "pool_streams_in_flight") == 0
    answered = made["ok"] + made["stream"]
    assert total(parsed, "pool_tokens", provider="ollama", model=MODEL, kind="prompt") == 3 * answered
    assert total(parsed, "pool_tokens", provider="ollama", model=MODEL, kind="completion") == 6 * answered

    # State: keys by status, the refused client token, the build.
    assert total(parsed, "pool_keys", provider="ollama", status="active") == 1
    assert total(parsed, "pool_keys", provider="ollama", status="invalid") == 1
    assert total(parsed, "pool_keys", provider="openrouter", status="cooling") == 1
    assert total(parsed, "pool_refusals", provider="ollama", reason="auth") == made["unauthorized"]
    assert total(parsed, "pool_build_info") == 1
    assert total(parsed, "pool_uptime_seconds") > 0

    # No key, token, request id or other client text as a label.
    for family in parsed.values():
        for sample in family.samples:
            assert set(sample.labels) <= ALLOWED_LABELS, sample
            for value in sample.labels.values():
                assert "key-metrics" not in value and "sk-" not in value and not value.startswith("k_"), sample
    assert scraped.token not in text and "conformance" not in text


def test_auth(scraped):
    for token in (None, "wrong-metrics-token-000000000", scraped.token):
        status, _, text = fetch(scraped.base + "/metrics", token)
        assert status == 401
        assert isinstance(json.loads(text)["error"], str)
    for token in (ADMIN, METRICS_TOKEN):
        status, _, text = fetch(scraped.base + "/metrics", token)
        assert status == 200
        assert "pool_build_info" in families(text)
    # The metrics token reads metrics only.
    status, _, _ = fetch(scraped.base + "/admin/stats", METRICS_TOKEN)
    assert status == 401


def test_metrics_port_without_auth(scraped):
    base = "http://127.0.0.1:%d" % scraped.metrics_port
    status, headers, text = fetch(base + "/metrics")
    assert status == 200
    assert headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "pool_requests" in families(text) or "pool_build_info" in families(text)
    status, _, _ = fetch(base + "/admin/stats", ADMIN)
    assert status == 404
