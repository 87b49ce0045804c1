"""schemathesis against the gateway's own `/openapi.json`: every operation, positive and negative inputs, the
`not_a_server_error` check (any 5xx fails), bounded by examples per operation and a time budget.

Admin operations get the admin token; the proxied and model-list routes get a client token (the admin token is
no client credential, so with it they would all stop at the 401). Both pools hold keys and the upstream is the
faulty mock answering normally, so a 5xx here is the gateway's own. Operations run in the document's order, so
the admin operations that may delete every key (bulk delete) come after the proxied routes. Nothing is
excluded: the routes that start background jobs (validated import, health check, bulk verify) probe the mock,
which answers at once, and the jobs' size is bounded by what schemathesis generates. Shrinking is off so that a
failure costs one example, not minutes; the failing request is printed as schemathesis reports it (with a curl
line)."""

import os
import time

import hypothesis
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error

from conftest import ADMIN
from faulty_upstream import Fault

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "40"))
BUDGET_SECONDS = float(os.environ.get("SCHEMATHESIS_SECONDS", "120"))


@pytest.fixture(scope="module")
def fuzzed_gateway(launch, upstream):
    gateway = launch({"FIRST_BYTE_TIMEOUT": 3, "STREAM_IDLE_TIMEOUT": 3, "PROBE_TIMEOUT": 3})
    for provider in ("ollama", "openrouter"):
        for index in range(3):
            secret = "schemathesis-%s-key-%04d" % (provider, index)
            upstream.set(secret, Fault())
            gateway.add_key(secret, provider=provider)
    gateway.deadline = time.time() + BUDGET_SECONDS
    gateway.fuzzed = {}
    return gateway


@pytest.fixture(scope="module")
def api_schema(fuzzed_gateway):
    return schemathesis.openapi.from_url(fuzzed_gateway.base + "/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@hypothesis.settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                     phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
                     suppress_health_check=list(hypothesis.HealthCheck))
def test_no_server_errors(case, fuzzed_gateway):
    if time.time() > fuzzed_gateway.deadline:
        return  # the time budget is spent; the remaining examples pass without a request
    token = ADMIN if case.path.startswith("/admin") else fuzzed_gateway.token
    label = case.method.upper() + " " + case.path
    fuzzed_gateway.fuzzed[label] = fuzzed_gateway.fuzzed.get(label, 0) + 1
    case.call_and_validate(base_url=fuzzed_gateway.base, headers={"Authorization": "Bearer " + token},
                           checks=[not_a_server_error], timeout=30)
    assert fuzzed_gateway.alive(), fuzzed_gateway.log_tail()


def test_every_operation_was_fuzzed(fuzzed_gateway, api_schema):
    """The run above really sent requests: at least a few to every operation the document lists."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    listed = {operation.method.upper() + " " + operation.path for operation in operations}
    assert len(listed) >= 50, listed
    starved = {label: fuzzed_gateway.fuzzed.get(label, 0) for label in listed
               if fuzzed_gateway.fuzzed.get(label, 0) < 3}
    assert not starved, "operations with fewer than 3 requests (budget spent?): %r" % starved
    print("schemathesis requests: %d over %d operations" % (sum(fuzzed_gateway.fuzzed.values()), len(listed)))
