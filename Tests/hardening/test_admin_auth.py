"""The auth matrix: every admin operation `/openapi.json` lists (read from the running gateway) is called without
credentials, with a wrong admin token and with a valid client token. Each must answer 401/403 with a JSON
`{"error": ...}` body and change nothing (keys and their states, tokens, jobs, the model-list cache are compared
before and after). With the admin token the same call must not be 401/403.

Operations that openapi.json marks public (`security: []`, e.g. /admin/public-stats) are left out, and checked
to be served without credentials. Operations this file does not know get an empty body and the first key's id
for path parameters, so a new admin route is covered as soon as openapi.json lists it."""

import re

import pytest

from conftest import ADMIN, chat_body
from faulty_upstream import Fault

KEYS = ["auth-matrix-key-0001", "auth-matrix-key-0002", "auth-matrix-key-0003"]
WRONG_ADMIN = "wrong-admin-token-0123456789abcdef0"


@pytest.fixture(scope="module")
def doc(gateway):
    answer = gateway.call("GET", "/openapi.json")
    assert answer.status == 200, answer
    return answer.json()


def operations(doc, admin_only=True):
    """(method, path, operation) of every operation; security as the operation or the document says."""
    found = []
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            found.append((method.upper(), path, operation, operation.get("security", doc.get("security", []))))
    return found


def protected_admin_operations(doc):
    return [(method, path, op) for method, path, op, security in operations(doc)
            if path.startswith("/admin") and security]


class State:
    """A known pool: three keys (the second disabled), a victim token, a finished job, a cached model list."""

    def __init__(self, gateway):
        self.gateway = gateway
        self.reset()

    def reset(self):
        gateway = self.gateway
        gateway.delete_all_keys()
        self.key_ids = []
        for secret in KEYS:
            gateway.upstream.set(secret, Fault())
            self.key_ids.append(gateway.add_key(secret))
        gateway.admin("POST", "/admin/keys/disable", {"id": self.key_ids[1]}, expect=200)
        tokens = gateway.tokens()
        victims = [token_id for token_id, token in tokens.items() if token["name"] == "victim"]
        self.victim = victims[0] if victims else gateway.admin(
            "POST", "/admin/tokens", {"name": "victim"}, expect=(200, 201)).json()["id"]
        jobs = gateway.admin("GET", "/admin/jobs", expect=200).json()["jobs"]
        self.job = jobs[0]["id"] if jobs else gateway.admin(
            "POST", "/admin/keys/health-check", {"ids": [self.key_ids[0]]}, expect=202).json()["job_id"]
        gateway.client("GET", "/v1/models")

    def snapshot(self):
        gateway = self.gateway
        keys = {key_id: (key["status"], key.get("disabled_until")) for key_id, key in gateway.keys().items()}
        tokens = sorted(gateway.tokens())
        jobs = [job["id"] for job in gateway.admin("GET", "/admin/jobs", expect=200).json()["jobs"]]
        entries = gateway.admin("GET", "/admin/cache/stats", expect=200).json()["entries"]
        cache = sorted((entry["provider"], entry["path"]) for entry in entries) if isinstance(entries, list) \
            else entries
        return {"keys": keys, "tokens": tokens, "jobs": jobs, "cache_entries": cache}

    def request(self, method, path):
        """The concrete path and a body that would change something if the call were allowed."""
        ids = self.key_ids
        concrete = path.replace("{id}", self.victim if "/tokens" in path else self.job if "/jobs" in path else ids[0])
        concrete = re.sub(r"\{[^}]+\}", ids[0], concrete)
        body = {
            ("POST", "/admin/api-keys"): {"apiKey": "auth-matrix-new-key-01"},
            ("DELETE", "/admin/api-keys"): {"ids": ids},
            ("POST", "/admin/api-keys/import"): {"keys": ["auth-matrix-imported-01"]},
            ("POST", "/admin/api-keys/import-from-txt"): {"content": "auth-matrix-imported-02"},
            ("POST", "/admin/import"): {"accounts": ["auth-matrix-imported-03"]},
            ("POST", "/admin/api-keys/import-with-validation"): {"keys": ["auth-matrix-imported-04"]},
            ("POST", "/admin/keys/enable"): {"id": ids[1]},
            ("POST", "/admin/keys/disable"): {"id": ids[0]},
            ("POST", "/admin/verify-key"): {"id": ids[0]},
            ("POST", "/admin/keys/health-check"): {},
            ("POST", "/admin/keys/bulk"): {"action": "delete", "status": "all"},
            ("POST", "/admin/tokens"): {"name": "intruder"},
            ("POST", "/admin/client-tokens"): {"name": "intruder"},
            ("DELETE", "/admin/tokens"): {"id": self.victim},
            ("DELETE", "/admin/client-tokens"): {"id": self.victim},
            ("POST", "/admin/cache/clear"): {},
        }.get((method, path), {} if method in ("POST", "PUT", "PATCH", "DELETE") else None)
        return concrete, body


@pytest.fixture(scope="module")
def state(gateway):
    return State(gateway)


CREDENTIALS = {
    "no credentials": lambda gateway: {},
    "wrong admin token": lambda gateway: {"authorization": "Bearer " + WRONG_ADMIN},
    "client token": lambda gateway: {"authorization": "Bearer " + gateway.token},
}


def test_openapi_lists_the_admin_operations(doc):
    listed = {(method, path) for method, path, _ in protected_admin_operations(doc)}
    assert ("GET", "/admin/api-keys") in listed and ("POST", "/admin/tokens") in listed, listed
    assert len(listed) >= 20, listed
    public = [(method, path) for method, path, _, security in operations(doc) if path.startswith("/admin") and
              not security]
    assert public == [("GET", "/admin/public-stats")], public


def test_public_admin_operations_need_no_credentials(gateway, doc):
    for method, path, _, security in operations(doc):
        if path.startswith("/admin") and not security:
            answer = gateway.call(method, path)
            assert answer.status == 200, (path, answer)


@pytest.mark.parametrize("credential", sorted(CREDENTIALS))
def test_admin_operations_refuse_without_the_admin_token(gateway, doc, state, credential):
    headers = CREDENTIALS[credential](gateway)
    problems = []
    state.reset()
    for method, path, _ in protected_admin_operations(doc):
        before = state.snapshot()
        concrete, body = state.request(method, path)
        answer = gateway.call(method, concrete, body, headers)
        if answer.status not in (401, 403):
            problems.append("%s %s with %s: %r" % (method, concrete, credential, answer))
        else:
            try:
                error = answer.json().get("error")
            except ValueError:
                error = None
            if not isinstance(error, str) or not error:
                problems.append("%s %s with %s: no JSON {\"error\": ...}: %r" % (method, concrete, credential, answer))
            for secret in KEYS + [ADMIN, gateway.token]:
                if secret.encode() in answer.body:
                    problems.append("%s %s with %s: the answer shows a secret" % (method, concrete, credential))
        after = state.snapshot()
        if after != before:
            problems.append("%s %s with %s changed the state: %r -> %r" % (method, concrete, credential, before,
                                                                           after))
            state.reset()
    assert gateway.alive()
    assert not problems, "\n".join(problems)


def test_admin_operations_accept_the_admin_token(gateway, doc, state):
    problems = []
    for method, path, _ in protected_admin_operations(doc):
        state.reset()
        concrete, body = state.request(method, path)
        answer = gateway.admin(method, concrete, body)
        if answer.status in (401, 403) or answer.status is None or answer.status >= 500:
            problems.append("%s %s with the admin token: %r" % (method, concrete, answer))
    state.reset()
    assert gateway.alive()
    assert not problems, "\n".join(problems)
    # The client token still works where it belongs.
    assert gateway.client("POST", "/v1/chat/completions", chat_body("openai", False)).status == 200
