#!/usr/bin/env python3
"""Writes Sources/PoolServer/Resources/web/openapi.json, the OpenAPI 3.1 document of every route the gateway
serves (read from the route files under Sources/PoolServer). Run it after changing a route; the browser test suite
fails when the committed document differs from what this script writes, and validates it.

    python3 scripts/openapi.py          # rewrite the document
    python3 scripts/openapi.py --check  # exit 1 when the committed document is stale
"""

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "Sources" / "PoolServer" / "Resources" / "web" / "openapi.json"
# Chinese for every text the API docs page shows (tag names and descriptions, summaries, descriptions of operations,
# parameters, responses and request body fields), keyed by the English text: written into the document as x-…-zh
# extensions, which the page shows when Chinese is chosen. The script fails when a shown text has none.
TRANSLATIONS = ROOT / "scripts" / "openapi.zh.json"
VERSION = "0.1.0"
ERROR_CODES_SOURCE = ROOT / "Sources" / "PoolServer" / "HTTP" / "GatewayError+Code.swift"


def registered(route):
    """Whether a route path literal (as registered on the admin group) appears in the server's sources. The key
    check and job routes are documented only where the server has them, so the document stays accurate on
    branches with and without them; the dashboard reads the document to know which features to offer."""
    literal = '"%s"' % route
    return any(literal in path.read_text() for path in (ROOT / "Sources" / "PoolServer").rglob("*.swift"))


def mentions(literal, folder="."):
    """Whether a literal appears in the server's sources under folder: routes another branch adds (the proxy's
    new endpoints) are documented only where the server has them."""
    return any(literal in path.read_text() for path in (ROOT / "Sources" / "PoolServer" / folder).rglob("*.swift"))


def ref(name):
    return {"$ref": "#/components/schemas/" + name}


def nullable(kind, **extra):
    return {"type": [kind, "null"], **extra}


def obj(properties, required=(), description=None, additional=False):
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    if description:
        schema["description"] = description
    if additional:
        schema["additionalProperties"] = True
    return schema


def s(description=None, **extra):
    return {"type": "string", **({"description": description} if description else {}), **extra}


def i(description=None, **extra):
    return {"type": "integer", **({"description": description} if description else {}), **extra}


def n(description=None, **extra):
    return {"type": "number", **({"description": description} if description else {}), **extra}


def b(description=None):
    return {"type": "boolean", **({"description": description} if description else {})}


def arr(items, description=None):
    return {"type": "array", "items": items, **({"description": description} if description else {})}


def error_codes():
    """The `GatewayError.Code` constants, in the order the Swift file declares them: the one list of codes, so the
    document cannot name a code the server does not have, or miss one it has."""
    codes = re.findall(r'static let \w+ = Code\(rawValue: "([^"]+)"\)', ERROR_CODES_SOURCE.read_text())
    if not codes:
        sys.exit("no Code(rawValue:) constants found in %s" % ERROR_CODES_SOURCE.relative_to(ROOT))
    return codes


def camel(name):
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


REFUSAL_REASONS = ["auth", "bad_request", "limits", "model_not_found", "no_key", "overloaded", "provider_disabled"]
# How requests ended, apart (RequestResult in PoolCore); snake_case as /admin/stats spells them.
REQUEST_RESULT_FIELDS = {
    "client_error_count": i("The upstream judged the client's request (400, 404, 413, 422, …); its answer was "
                            "passed back."),
    "upstream_failure_count": i("Every attempt failed upstream; the gateway answered 502 or 503."),
    "refused_count": i("The gateway answered without an upstream answer: bad token, malformed body, limits, "
                       "model not served, no usable key, overloaded."),
    "refused_by_reason": obj({reason: i() for reason in REFUSAL_REASONS}, REFUSAL_REASONS,
                             "refused_count by reason."),
    "unclassified_failure_count": i("Failures recorded before requests were classified (an older database); "
                                    "counted against the success rate."),
    "success_rate_basis": i("Successes, upstream failures and unclassified failures: what the success rate is "
                            "about."),
}
MODEL_RESULT_FIELDS = {"clientErrors": i(), "upstreamFailures": i(), "refused": i()}

DATE = {"type": "string", "format": "date-time"}
NDATE = {"type": ["string", "null"], "format": "date-time"}
# Providers are data (issue #17): ollama and openrouter are built in, others come from PROVIDERS_FILE or
# POST /admin/providers, so a provider field is any name the catalog knows (an unknown one is a 400).
PROVIDER_NAME = "A provider: ollama, openrouter, or one defined in PROVIDERS_FILE or through /admin/providers."
DIALECT_ENUM = ["openai", "ollama", "anthropic"]
STATUS_ENUM = ["active", "cooling", "disabled", "invalid", "expired"]

# A client token's policy (issue #15), as POST /admin/tokens takes it and the token lists show it.
TOKEN_POLICY_FIELDS = {
    "rpm": nullable("integer", description="Requests per minute; absent or null: unlimited.", minimum=0),
    "tpm": nullable("integer", description="Tokens (prompt + completion) per minute; null: unlimited.", minimum=0),
    "request_quota": nullable("integer", description="Requests per quota period; null: unlimited.", minimum=0),
    "token_quota": nullable("integer", description="Tokens per quota period; null: unlimited.", minimum=0),
    "quota_period": nullable("string", description="day, month (UTC) or total (the default: never resets).",
                             enum=["day", "month", "total", None]),
    "models": {"type": ["array", "null"], "items": {"type": "string"},
               "description": "Allowed models: exact names and prefix* patterns; null: every model."},
    "cache_scope": nullable("string", description="token (default): cached answers for this token only; shared: "
                                                  "shared with other shared tokens.", enum=["token", "shared", None]),
    "cache_ttl": nullable("number", description="Seconds its answers stay cached; overrides RESPONSE_CACHE_TTL.",
                          minimum=0),
    "note": nullable("string", description="Free text for the operator.", maxLength=1000),
}

# A key's own server and its place in the selection (issue #17), as keys show them and adds and imports take them.
KEY_PLACEMENT_FIELDS = {
    "base_url": s("The key's own server (a self-hosted one), replacing the provider's base URL; absent: the "
                  "provider's.", format="uri"),
    "weight": i("Share of the picks within its tier (default 1).", minimum=1, maximum=100),
    "tier": i("Tier 1 serves while any of its keys is usable; tier 2 only when none is (default 1).", minimum=1,
              maximum=9),
}
IMPORT_PLACEMENT_FIELDS = {
    "base_url": s("The server every key is for, unless an entry names its own.", format="uri"),
    "weight": i("Weight of every key whose entry keeps the default 1.", minimum=1, maximum=100),
    "tier": i("Tier of every key whose entry keeps the default 1.", minimum=1, maximum=9),
}
PROVIDER_FIELDS = {
    "name": s("Lower-case letters, digits, - and _, starting with a letter; also the path prefix (/{name}/v1/…).",
              maxLength=32),
    "base_url": s("The upstream's root, e.g. https://api.deepseek.com.", format="uri"),
    "openai_path": s("Where the OpenAI-compatible API sits under base_url (default /v1)."),
    "dialects": arr(s(enum=DIALECT_ENUM), "Client dialects it serves (default [openai])."),
    "probe": obj({"kind": s(enum=["chat", "models", "key_info"]), "model": s("chat: the model asked."),
                  "path": s("key_info: the path asked (default /v1/key).")}, ["kind"],
                 "How keys are checked (default models)."),
    "headers": {"type": "object", "additionalProperties": s(),
                "description": "Added to every upstream request; answers show the values masked."},
    "timeouts": obj({"connect": n(exclusiveMinimum=0, maximum=86400),
                     "first_byte": n(exclusiveMinimum=0, maximum=86400),
                     "idle": n(exclusiveMinimum=0, maximum=86400)},
                    description="Seconds; a field left out uses the gateway's setting."),
    "aliases": {"type": "object", "additionalProperties": s(),
                "description": "Client model name → upstream model name (only the body's top-level model changes)."},
    "enabled": b("A disabled provider's routes answer 404 (default true)."),
}

SCHEMAS = {
    "Error": obj({"error": s("What went wrong, for people.")}, ["error"],
                 "Error answer of admin, native Ollama and gateway routes."),
    "OpenAIError": obj({"error": obj({"message": s(), "type": s(), "param": nullable("string"),
                                      "code": nullable("string", enum=error_codes() + [None],
                                                       description="Machine-readable; null when the error has none.")},
                                     ["message", "type"])}, ["error"],
                       "Error answer of OpenAI-compatible routes."),
    "AnthropicError": obj({"type": s(enum=["error"]), "error": obj({"type": s(), "message": s()})}, ["type", "error"],
                          "Error answer of /v1/messages."),
    "KeyStats": obj({
        "total_requests": i("Attempts made with the key."), "success_count": i(), "failure_count": i(),
        "success_rate": n("Percent of decided attempts that succeeded, 0–100."), "avg_latency_ms": n(),
        "prompt_tokens": i(), "completion_tokens": i(), "last_used": NDATE, "last_success": NDATE, "last_failure": NDATE,
    }, ["total_requests", "success_count", "failure_count", "success_rate", "avg_latency_ms"]),
    "Key": obj({
        "id": s("Stable key id (k_…); never the secret."), "provider": s(PROVIDER_NAME),
        "api_key": s("The secret, masked (abcd…wxyz)."), "username": nullable("string"),
        "status": s(enum=STATUS_ENUM), "status_reason": nullable("string", description="Why the key is not active."),
        "status_until": {**NDATE, "description": "When a cooling or disabled key returns by itself."},
        "disabled_until": NDATE, "cooling_until": NDATE, "created_at": DATE, "expires_at": NDATE,
        "consecutive_failures": i(), "models": arr(s()), "category": nullable("string"), "stats": ref("KeyStats"),
        **KEY_PLACEMENT_FIELDS,
    }, ["id", "provider", "api_key", "status", "created_at", "consecutive_failures", "models", "stats", "weight",
        "tier"],
        "A pool key as admin answers show it."),
    "StatusCounts": obj({name: i() for name in ["total"] + STATUS_ENUM}, ["total"] + STATUS_ENUM),
    "KeyList": obj({"provider": s(), "keys": arr(ref("Key")), "total": i("Keys matching the filter."), "page": i(),
                    "page_size": i(), "total_pages": i(), "counts": ref("StatusCounts")},
                   ["keys", "total", "page", "page_size", "total_pages", "counts"]),
    "KeyAnswer": obj({"success": b(), "key": ref("Key")}, ["success", "key"]),
    "Provider": obj({**PROVIDER_FIELDS, "source": s("built_in (settings), file (PROVIDERS_FILE) or store (the admin "
                                                    "API).", enum=["built_in", "file", "store"]),
                     "keys": ref("StatusCounts")},
                    ["name", "base_url", "openai_path", "dialects", "probe", "headers", "timeouts", "aliases",
                     "enabled", "source", "keys"], "A provider definition with its source and key counts."),
    "ProviderList": obj({"providers": arr(ref("Provider"), "Built-ins first, then by name.")}, ["providers"]),
    "ProviderAnswer": obj({"success": b(), "provider": ref("Provider")}, ["success", "provider"]),
    "ProviderDeleted": obj({"success": b(), "deleted": s(), "keys_deleted": i()},
                           ["success", "deleted", "keys_deleted"]),
    "DeleteAnswer": obj({"success": b(), "deleted": i(), "not_found": i(), "ids": arr(s())},
                        ["success", "deleted", "not_found", "ids"]),
    "ImportProblem": obj({"line": i("1-based line (or array index)."), "reason": s("Why, without the secret.")},
                         ["line", "reason"]),
    "ImportSummary": obj({"success": b(), "provider": s(), "total": i("added + duplicates + invalid"), "added": i(),
                          "duplicates": i(), "invalid": arr(ref("ImportProblem"))},
                         ["total", "added", "duplicates", "invalid"]),
    "KeyStatsList": obj({"provider": s(), "keys": arr(ref("Key")), "total": i()}, ["keys", "total"]),
    "Overview": obj({"provider": s(), "keys": ref("StatusCounts"), "tokens": i("Client tokens (all providers)."),
                     "total_requests": i("Every proxied request; each is in exactly one of success_count, "
                                         "client_error_count, upstream_failure_count, refused_count and "
                                         "unclassified_failure_count."),
                     "success_count": i("The upstream answered 2xx."),
                     "failure_count": i("Every request that did not succeed (the four counts below together)."),
                     **REQUEST_RESULT_FIELDS,
                     "success_rate": n("Percent of success_rate_basis that succeeded, one decimal; client errors and "
                                       "refusals are not in it."),
                     "requests_today": i("Since midnight, server time."), "uptime_seconds": i()},
                    ["keys", "tokens", "total_requests", "success_rate", "requests_today"]),
    "Token": obj({"id": s(), "name": s(), "prefix": s("The token's first characters and an ellipsis."),
                  "provider": nullable("string", description="Pool the token may use; null: any."),
                  "created_at": DATE, "expires_at": NDATE, "expired": b(), "request_count": i(),
                  **TOKEN_POLICY_FIELDS, "usage": ref("TokenUsage")},
                 ["id", "name", "prefix", "created_at", "expired", "request_count", "usage"]),
    "TokenUsage": obj({"minute_requests": i("Requests admitted this UTC minute."),
                       "minute_tokens": i("Tokens (prompt + completion) counted this UTC minute."),
                       "period": s("The quota period in force.", enum=["day", "month", "total"]),
                       "period_requests": i("Requests in the current quota period."),
                       "period_tokens": i("Tokens in the current quota period."),
                       "period_resets_at": {**DATE, "description": "When the period starts over; absent for total."}},
                      ["minute_requests", "minute_tokens", "period", "period_requests", "period_tokens"]),
    "TokenAnswer": obj({"success": b(), "token": ref("Token")}, ["success", "token"]),
    "TokenList": obj({"tokens": arr(ref("Token")), "total": i()}, ["tokens", "total"]),
    "CreatedToken": obj({"success": b(), "token": s("The full sk-… token: shown in this answer only."), "id": s(),
                         "name": s(), "prefix": s(), "provider": nullable("string"), "created_at": DATE,
                         "expires_at": NDATE, **TOKEN_POLICY_FIELDS}, ["token", "id", "name", "prefix", "created_at"]),
    "RevokeAnswer": obj({"success": b(), "id": s()}, ["success", "id"]),
    "CacheStats": obj({"ttl_seconds": n(), "entries": arr(obj({"provider": s(), "path": s(), "bytes": i(),
                                                               "age_seconds": i(), "fresh": b()})),
                       "hits": i(), "misses": i(), "stale_served": i(), "refresh_failures": i(),
                       "responses": obj({"ttl_seconds": n("RESPONSE_CACHE_TTL; 0: off."), "entries": i(),
                                         "bytes": i(), "capacity_bytes": i("RESPONSE_CACHE_BYTES."), "hits": i(),
                                         "misses": i(), "stores": i(), "evictions": i("Dropped to make room."),
                                         "expired": i()},
                                        ["entries", "bytes", "capacity_bytes", "hits", "misses"],
                                        "The response cache of non-streamed answers.")},
                      ["ttl_seconds", "entries", "hits", "misses", "responses"]),
    "RequestAttempt": obj({"key_id": s("The key's id (never its secret)."),
                           "result": s(enum=["success", "rejected", "rate_limited", "out_of_credit", "failed",
                                             "cancelled", "client_error"]),
                           "status": nullable("integer", description="The upstream's status, when it answered."),
                           "duration_ms": n(), "error": nullable("string")},
                          ["key_id", "result", "status", "duration_ms", "error"]),
    "RequestRecord": obj({"id": s("The request's x-request-id."), "started_at": DATE,
                          "token_id": nullable("string"), "token_name": nullable("string"),
                          "provider": s(PROVIDER_NAME), "route": s("The upstream path, e.g. /v1/chat/completions."),
                          "model": nullable("string"), "stream": b(),
                          "status": i("The status the client got; 499 when it left before any answer byte."),
                          "duration_ms": n(), "ttfb_ms": nullable("number"), "upstream_ms": n(),
                          "attempts": arr(ref("RequestAttempt")), "prompt_tokens": nullable("integer"),
                          "completion_tokens": nullable("integer"),
                          "cached": b("Answered from the response or model list cache."),
                          "error": nullable("string", description="The gateway's own error message."),
                          "body": s("The request body (first 64 KiB); only with LOG_BODIES=1.")},
                         ["id", "started_at", "token_id", "token_name", "provider", "route", "model", "stream",
                          "status", "duration_ms", "ttfb_ms", "upstream_ms", "attempts", "prompt_tokens",
                          "completion_tokens", "cached", "error"]),
    "RequestList": obj({"requests": arr(ref("RequestRecord")),
                        "next_cursor": nullable("string", description="The next page's cursor; null on the last.")},
                       ["requests", "next_cursor"]),
    "UsageRow": obj({"bucket": DATE, "id": s("Token id, key id or model; (none) when missing."),
                     "name": nullable("string"), "requests": i(), "failed": i("Status >= 500 or a gateway error."),
                     "prompt_tokens": i(), "completion_tokens": i()},
                    ["bucket", "id", "name", "requests", "failed", "prompt_tokens", "completion_tokens"]),
    "Usage": obj({"by": s(enum=["token", "key", "model"]), "period": s(enum=["hour", "day"]), "since": DATE,
                  "until": DATE, "rows": arr(ref("UsageRow"))}, ["by", "period", "since", "until", "rows"]),
    "CacheCleared": obj({"success": b(), "cleared": i("Entries dropped from both caches."),
                         "models": i("Model lists dropped."), "responses": i("Cached answers dropped.")},
                        ["success", "cleared"]),
    "Health": obj({"status": s(enum=["ok"]), "version": s(), "uptime_seconds": i(),
                   "storage": s("`sqlite` or `postgres`; never the database's address."),
                   "instance_id": s("This process among the instances sharing the store; new with every start."),
                   "leader": b("Runs the singleton work (recovery, scheduled health checks); always with SQLite."),
                   "change_feed": obj({
                       "revision": i("The last store revision this instance applied."),
                       "store_revision": i("The store's revision when last read."),
                       "behind": i("Revisions the store is ahead of this instance."),
                       "seconds_since_catch_up": n("Since the last successful read of the store's changes."),
                       "store_unreachable": b("The store did not answer the last read."),
                       "listening": b("PostgreSQL only: the LISTEN connection for wake-ups is up.")},
                       ["revision", "store_revision", "behind", "store_unreachable"]),
                   "providers": {"type": "object", "additionalProperties": obj(
                       {"enabled": b(), "keys_total": i(), "keys_active": i()})}},
                  ["status", "version", "uptime_seconds", "storage", "instance_id", "leader", "change_feed",
                   "providers"]),
    "ModelShare": obj({"model": s("The requested model; \"\" for requests that named none."), "requests": i(),
                       "success": i(), "failure": i("Every request that did not succeed."),
                       **MODEL_RESULT_FIELDS,
                       "successRate": n("Percent of successes among successes and upstream failures.")},
                      ["model", "requests", "success", "failure", "successRate"]),
    "HourPoint": obj({"hour": s("HH:00, UTC."), "time": {**DATE, "description": "Start of the hour."},
                      "requests": i(), "success": i(), "failure": i("Every request that did not succeed."),
                      **MODEL_RESULT_FIELDS},
                     ["hour", "time", "requests", "success", "failure"]),
    "PublicStats": obj({
        "provider": s(PROVIDER_NAME),
        "global": obj({"totalRequests": i(), "successCount": i(),
                       "failureCount": i("Every request that did not succeed."),
                       **{camel(name): schema for name, schema in REQUEST_RESULT_FIELDS.items()},
                       "successRate": n("Percent of successRateBasis that succeeded, two decimals."),
                       "totalApiKeys": i(), "activeKeys": i(), "coolingKeys": i(),
                       "failedKeys": i("Disabled, invalid or expired keys."), "storage": s(), "lastUpdated": DATE},
                      ["totalRequests", "successCount", "failureCount", "successRate", "totalApiKeys", "activeKeys"]),
        "topModels": arr(ref("ModelShare"), "Up to 10 models by requests, over every retained hour."),
        "recentTopModels": arr(ref("ModelShare"), "Up to 3 models by requests in the last 24 hours."),
        "hourlyTrend": arr(ref("HourPoint"), "24 hourly points, oldest first, ending with the current hour."),
        "storage": s(), "timestamp": DATE,
    }, ["global", "topModels", "recentTopModels", "hourlyTrend", "timestamp"],
        "Public statistics in the reference service's (camelCase) shape; counts and model names only."),
    "JobStarted": obj({"success": b(), "job_id": s(), "kind": s(), "total": i("Items the job will check."),
                       "not_found": i("Keys named that do not exist.")}, ["job_id", "kind", "total"]),
    "Job": obj({"id": s(), "kind": s("validated_import, health_check or verify."),
                "state": s(enum=["running", "done", "failed"]), "total": i(), "done": i(), "valid": i(),
                "invalid": i(), "rate_per_s": n("Items finished per second."), "created_at": DATE,
                "finished_at": NDATE, "error": nullable("string"),
                "result": {"type": ["object", "null"], "additionalProperties": True,
                           "description": "The job's summary once done. validated_import: {total, added, "
                                          "duplicates, valid, rate_limited, out_of_credit, unverified, "
                                          "invalid_count, invalid:[{line, api_key, reason, http_status}], "
                                          "invalid_truncated, categories}; health_check and verify: {total, "
                                          "checked, valid, invalid, rate_limited, out_of_credit, upstream_error, "
                                          "inconclusive, restored, changed:[…]}."}},
               ["id", "kind", "state", "total", "done", "valid", "invalid", "rate_per_s"]),
    "JobList": obj({"jobs": arr(ref("Job"), "Recent jobs, without their results.")}, ["jobs"]),
    "VerifyAnswer": obj({"valid": nullable("boolean", description="null when the upstream could not judge the key."),
                         "outcome": s(), "status": nullable("integer", description="The upstream's HTTP status."),
                         "reason": s(), "in_pool": b(), "key": ref("Key"), "models": arr(s()),
                         "category": nullable("string"), "credit": {"type": ["object", "null"]}},
                        ["valid", "outcome", "status"]),
    "BulkAnswer": obj({"success": b(), "action": s(enum=["enable", "disable", "delete", "verify"]),
                       "matched": i("Keys the selection named."), "changed": i("Keys the action changed."),
                       "not_found": i(), "job_id": nullable("string", description="verify: the job checking them.")},
                      ["action", "matched", "changed", "not_found"]),
    "ChatCompletionRequest": obj({"model": s(), "messages": arr(obj({"role": s(), "content": {}}, ["role"])),
                                  "stream": b(), "temperature": n(), "stream_options": {"type": "object"}},
                                 ["model", "messages"], "Relayed upstream as is; the gateway reads model and stream.",
                                 additional=True),
    "UpstreamBody": {"type": "object", "additionalProperties": True,
                     "description": "Relayed to and from the upstream byte for byte."},
}

BODIES = {
    "AddKey": obj({"apiKey": s("The upstream key (also api_key or key); absent with base_url: a server without a "
                               "secret."), "username": s(),
                   "ttl": n("Seconds until the key expires; 0 or absent: never."), "expiresAt": {**DATE},
                   "provider": s(PROVIDER_NAME), **KEY_PLACEMENT_FIELDS},
                  description="apiKey, base_url or both."),
    "UpdateKey": obj({"weight": KEY_PLACEMENT_FIELDS["weight"], "tier": KEY_PLACEMENT_FIELDS["tier"]},
                     description="weight, tier or both; the base URL cannot change."),
    "CreateProvider": obj(PROVIDER_FIELDS, ["name", "base_url"]),
    "UpdateProvider": obj(PROVIDER_FIELDS, description="Only the fields given change. A built-in takes probe, "
                                                       "headers, timeouts, aliases and enabled only."),
    "DeleteKeys": obj({"id": s(), "apiKey": s(), "ids": arr(s(), "Ids or full keys."),
                       "provider": s(PROVIDER_NAME)}),
    "ImportKeys": obj({"keys": arr({"oneOf": [s(), {"type": "object"}]},
                                   "Lines or {api_key, username, base_url, weight, tier} objects."),
                       "content": s("Text, one entry per line."), "ttl": n(), "expiresAt": DATE,
                       "provider": s(PROVIDER_NAME), **IMPORT_PLACEMENT_FIELDS}),
    "ImportText": obj({"content": s("Text, one entry per line (email----password----session----key, "
                                    "username----key, key, a server URL, or URL----key)."), "ttl": n(), "expiresAt": DATE,
                       "provider": s(PROVIDER_NAME), **IMPORT_PLACEMENT_FIELDS}, ["content"]),
    "ImportAccounts": obj({"accounts": arr({"oneOf": [s(), {"type": "object"}]}), "content": s(), "ttl": n(),
                           "provider": s(PROVIDER_NAME), **IMPORT_PLACEMENT_FIELDS}),
    "EnableKey": obj({"id": s(), "apiKey": s(), "provider": s(PROVIDER_NAME)}),
    "DisableKey": obj({"id": s(), "apiKey": s(), "duration": n("Seconds; 0 or absent: until enabled."),
                       "provider": s(PROVIDER_NAME)}),
    "CreateToken": obj({"name": s(maxLength=200), "ttl": n("Seconds until it expires; 0 or absent: never."),
                        "expiresAt": DATE, "provider": s("Limit the token to one pool (a provider's name)."),
                        **TOKEN_POLICY_FIELDS},
                       ["name"], "Absent policy fields take the DEFAULT_TOKEN_* settings; null: unlimited."),
    "UpdateToken": obj({"name": s(maxLength=200), "ttl": n("Seconds until it expires; 0 or absent: never."),
                        "expiresAt": DATE,
                        "provider": nullable("string", description="Limit the token to one pool; null: any."),
                        **TOKEN_POLICY_FIELDS},
                       description="Only the fields given change; null clears a policy field (unlimited)."),
    "RevokeToken": obj({"id": s()}, ["id"]),
    "ImportValidated": obj({"content": s("Text, one entry per line."), "keys": arr({"oneOf": [s(), {"type": "object"}]}),
                            "accounts": arr({"oneOf": [s(), {"type": "object"}]}),
                            "ttl": n(), "expiresAt": DATE, "provider": s(PROVIDER_NAME), **IMPORT_PLACEMENT_FIELDS}),
    "VerifyKey": obj({"id": s("A pool key's id or key."), "apiKey": s("A key, in the pool or not."),
                      "provider": s(PROVIDER_NAME),
                      "base_url": s("Ask this server (a self-hosted one) instead of the provider's; with or without "
                                    "apiKey. Nothing is stored.", format="uri")}),
    "KeySelection": obj({"ids": arr(s(), "Ids or keys; absent: every key (or those with status)."),
                         "status": s(enum=["all"] + STATUS_ENUM), "provider": s(PROVIDER_NAME)}),
    "BulkAction": obj({"action": s(enum=["enable", "disable", "delete", "verify"]), "ids": arr(s()),
                       "status": s("Instead of ids: every key with this status.", enum=["all"] + STATUS_ENUM), "duration": n("disable: seconds; 0 or absent: until enabled."),
                       "provider": s(PROVIDER_NAME)}, ["action"]),
    "ClearCache": obj({"provider": s("Only this provider's entries; absent: all."),
                       "token": s("Only this client token's (id) cached answers; also ?token=.")}),
}

PROVIDER_PARAM = {"name": "provider", "in": "query", "required": False,
                  "description": "Pool to act on (default ollama).", "schema": s()}
ADMIN = [{"adminToken": []}]
CLIENT = [{"clientToken": []}, {"clientApiKey": []}]
PUBLIC = []


def json_response(description, schema):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def error(description, schema="Error"):
    return json_response(description, ref(schema))


def op(tag, summary, security, responses, description=None, parameters=None, body=None, body_required=True,
       operation_id=None):
    operation = {"tags": [tag], "summary": summary, "security": security, "responses": responses}
    if operation_id:
        operation["operationId"] = operation_id
    if description:
        operation["description"] = description
    if parameters:
        operation["parameters"] = parameters
    if body is not None:
        operation["requestBody"] = {"required": body_required,
                                    "content": {"application/json": {"schema": body}}}
    return operation


def admin_errors(extra=None):
    responses = {"400": error("A field is missing or wrong."), "401": error("Missing or invalid admin token."),
                 "429": error("Too many failed authentications from this address (Retry-After).")}
    responses.update(extra or {})
    return responses


def add(paths, path, method, operation):
    paths.setdefault(path, {})[method] = operation


def build():
    paths = {}
    # ---- web and public ----
    banner = mentions("Ollama is running", "Web")
    if banner:
        # GET / decides by Accept: a browser gets the login page, an Ollama client the banner it probes for.
        root_answer = {"200": {"description": "The login page for a browser (Accept: text/html); otherwise the text "
                                              "Ollama is running.",
                               "content": {"text/html": {"schema": s()}, "text/plain": {"schema": s()}}},
                       "304": {"description": "Not modified (If-None-Match matched the ETag)."}}
        add(paths, "/", "get", op("Web", "Login page, or Ollama's banner", PUBLIC, root_answer,
                                  operation_id="loginPage"))
        add(paths, "/", "head", op("Web", "Ollama's banner, headers only", PUBLIC,
                                   {"200": {"description": "As GET /, without a body."}}, operation_id="rootHead"))
    for path, name, summary in [("/", "loginPage", "Login page"), ("/dashboard", "dashboardPage", "Admin dashboard"),
                                ("/stats", "statsPage", "Public statistics page"),
                                ("/api-docs", "apiDocsPage", "This documentation, with a live tester")]:
        if path == "/" and banner:
            continue
        add(paths, path, "get", op("Web", summary, PUBLIC, {
            "200": {"description": "HTML page (ETag, Cache-Control: no-cache, Content-Security-Policy).",
                    "content": {"text/html": {"schema": s()}}},
            "304": {"description": "Not modified (If-None-Match matched the ETag)."}}, operation_id=name))
    add(paths, "/openapi.json", "get", op("Web", "This OpenAPI 3.1 document", PUBLIC, {
        "200": {"description": "The document.", "content": {"application/json": {"schema": {"type": "object"}}}},
        "304": {"description": "Not modified."}}, operation_id="openapiDocument"))
    add(paths, "/assets/{path}", "get", op("Web", "Page scripts, styles and images", PUBLIC, {
        "200": {"description": "The file; immutable when asked for with its current ?v= hash.",
                "content": {"*/*": {"schema": s(format="binary")}}},
        "304": {"description": "Not modified."}, "404": error("No such file.")},
        parameters=[{"name": "path", "in": "path", "required": True, "schema": s()},
                    {"name": "v", "in": "query", "required": False, "schema": s(),
                     "description": "Content hash the pages put in asset URLs."}], operation_id="asset"))
    add(paths, "/health", "get", op("Public", "Health and key counts", PUBLIC,
                                     {"200": json_response("Running.", ref("Health"))}, operation_id="health"))
    add(paths, "/health/live", "get", op(
        "Public", "Liveness", PUBLIC,
        {"200": json_response("The process serves.", obj({"status": s(enum=["ok"])}, ["status"]))},
        description="For an orchestrator's liveness probe: 200 while the process serves requests.",
        operation_id="healthLive"))
    add(paths, "/health/ready", "get", op(
        "Public", "Readiness", PUBLIC,
        {"200": json_response("Ready: the store answers and the gateway is not shutting down.",
                              obj({"status": s(enum=["ready"])}, ["status"])),
         "503": json_response("Not ready: the reasons say why (draining, store_unreachable).",
                              obj({"status": s(enum=["unready"]), "reasons": arr(s())}, ["status", "reasons"]))},
        description="For a load balancer's readiness probe: 503 from the moment a shutdown begins, while the "
                    "listener still serves for SHUTDOWN_DELAY_SECONDS, and while the store does not answer.",
        operation_id="healthReady"))
    if registered("metrics"):
        add(paths, "/metrics", "get", op(
            "Public", "Prometheus metrics", ADMIN,
            {"200": {"description": "The Prometheus text format (version 0.0.4).",
                     "content": {"text/plain": {"schema": s()}}},
             "401": error("Missing or wrong admin token or METRICS_TOKEN."),
             "404": error("METRICS_ENABLED=false.")},
            description="Bearer admin token or METRICS_TOKEN. Without auth on METRICS_PORT when that is set.",
            operation_id="metrics"))
    add(paths, "/admin/public-stats", "get", op(
        "Public", "Public statistics", PUBLIC,
        {"200": json_response("Counts, top models and the 24-hour trend.", ref("PublicStats")),
         "400": error("Unknown provider.")},
        description="No auth. Totals, top 10 models, top 3 of the last 24 hours and 24 hourly points "
                    "(zero-filled). Never a key, key id, username or client token name.",
        parameters=[PROVIDER_PARAM], operation_id="publicStats"))

    # ---- proxy ----
    openai_errors = {"401": error("Missing or invalid client token.", "OpenAIError"),
                     "502": error("The last attempt failed upstream.", "OpenAIError"),
                     "503": error("No key could serve (Retry-After tells when one returns).", "OpenAIError")}
    prefixes = [("/v1", "ollama", "Proxy · Ollama (OpenAI-compatible)"),
                ("/ollama/v1", "ollama", "Proxy · Ollama (OpenAI-compatible)"),
                ("/openrouter/v1", "openrouter", "Proxy · OpenRouter (OpenAI-compatible)")]
    # Issue #17's endpoints, where the proxy serves them: the Responses API, one model, Anthropic's token count.
    has_responses = mentions('"responses"', "Proxy")
    has_model = mentions('"v1/models/"', "Proxy")
    has_count_tokens = mentions('"v1/messages/count_tokens"', "Proxy")
    post_endpoints = [("chat/completions", "Chat completion (stream with \"stream\": true)",
                       ref("ChatCompletionRequest")),
                      ("completions", "Text completion", ref("UpstreamBody")),
                      ("embeddings", "Embeddings", ref("UpstreamBody"))]
    if has_responses:
        post_endpoints.append(("responses", "Responses API (stream with \"stream\": true)", ref("UpstreamBody")))
    for prefix, provider, tag in prefixes:
        slug = prefix.strip("/").replace("/", "_")
        for endpoint, summary, schema in post_endpoints:
            add(paths, prefix + "/" + endpoint, "post", op(
                tag, summary, CLIENT,
                {"200": {"description": "The upstream's answer; text/event-stream when streaming.",
                         "content": {"application/json": {"schema": ref("UpstreamBody")},
                                     "text/event-stream": {"schema": s()}}}, **openai_errors},
                description="Relayed to the " + provider + " pool with failover to other keys.", body=schema,
                operation_id=slug + "_" + endpoint.replace("/", "_")))
        add(paths, prefix + "/models", "get", op(
            tag, "Model list (cached)", CLIENT, {"200": json_response("OpenAI model list.", ref("UpstreamBody")),
                                                 **openai_errors}, operation_id=slug + "_models"))
        if has_model:
            add(paths, prefix + "/models/{id}", "get", op(
                tag, "One model", CLIENT,
                {"200": json_response("The OpenAI model object.", ref("UpstreamBody")),
                 "404": error("The upstream does not know the model (its answer, relayed).", "OpenAIError"),
                 **openai_errors},
                description="Answered from the cached model list when it holds the model; otherwise relayed.",
                parameters=[{"name": "id", "in": "path", "required": True, "schema": s(), "description": "Model id."}],
                operation_id=slug + "_model"))
        if provider == "ollama":
            add(paths, prefix + "/messages", "post", op(
                "Proxy · Anthropic-compatible", "Anthropic Messages API", CLIENT,
                {"200": {"description": "Anthropic message; text/event-stream when streaming.",
                         "content": {"application/json": {"schema": ref("UpstreamBody")},
                                     "text/event-stream": {"schema": s()}}},
                 "401": error("Missing or invalid client token.", "AnthropicError")},
                body=ref("UpstreamBody"), operation_id=slug + "_messages"))
            if has_count_tokens:
                add(paths, prefix + "/messages/count_tokens", "post", op(
                    "Proxy · Anthropic-compatible", "Count a message's input tokens", CLIENT,
                    {"200": json_response("{input_tokens}.", ref("UpstreamBody")),
                     "401": error("Missing or invalid client token.", "AnthropicError")},
                    body=ref("UpstreamBody"), operation_id=slug + "_count_tokens"))
    native = [("chat", "post", "Chat (streams NDJSON unless \"stream\": false)"),
              ("generate", "post", "Generate (streams NDJSON unless \"stream\": false)"),
              ("embed", "post", "Embeddings"), ("embeddings", "post", "Embeddings (legacy)"),
              ("show", "post", "Model details"), ("tags", "get", "Model list (cached)"),
              ("version", "get", "Upstream version"), ("ps", "get", "Running models")]
    for name, method, summary in native:
        responses = {"200": {"description": "The upstream's answer.",
                             "content": {"application/json": {"schema": ref("UpstreamBody")},
                                         "application/x-ndjson": {"schema": s()}}},
                     "401": error("Missing or invalid client token.")}
        # GET /api/version needs no token where the proxy says so, as on an Ollama server.
        open_version = name == "version" and mentions('"/api/version"', "Proxy")
        add(paths, "/api/" + name, method, op(
            "Proxy · Ollama native", summary, PUBLIC if open_version else CLIENT, responses,
            description="No token needed, as on an Ollama server." if open_version else None,
            body=ref("UpstreamBody") if method == "post" else None, operation_id="native_" + name))

    # ---- admin: keys ----
    add(paths, "/admin/api-keys", "get", op(
        "Admin · Keys", "List keys (paginated)", ADMIN, {"200": json_response("A page of keys.", ref("KeyList")),
                                                         **admin_errors()},
        parameters=[PROVIDER_PARAM,
                    {"name": "page", "in": "query", "schema": i(minimum=1), "description": "1-based page."},
                    {"name": "pageSize", "in": "query", "schema": i(minimum=1, maximum=200),
                     "description": "Keys per page (default 50; page_size also accepted)."},
                    {"name": "status", "in": "query", "schema": s(enum=["all"] + STATUS_ENUM)},
                    {"name": "search", "in": "query", "schema": s(),
                     "description": "Id, full key, username, category or model (substring)."}],
        operation_id="listKeys"))
    add(paths, "/admin/api-keys", "post", op(
        "Admin · Keys", "Add one key", ADMIN, {"201": json_response("Added.", ref("KeyAnswer")),
                                               **admin_errors({"409": error("Already in the pool.")})},
        body=BODIES["AddKey"], operation_id="addKey"))
    add(paths, "/admin/api-keys", "delete", op(
        "Admin · Keys", "Delete keys", ADMIN, {"200": json_response("Deleted.", ref("DeleteAnswer")),
                                               **admin_errors({"404": error("No such key.")})},
        body=BODIES["DeleteKeys"], operation_id="deleteKeys"))
    add(paths, "/admin/api-keys/{id}", "delete", op(
        "Admin · Keys", "Delete one key", ADMIN, {"200": json_response("Deleted.", ref("DeleteAnswer")),
                                                  **admin_errors({"404": error("No such key.")})},
        parameters=[{"name": "id", "in": "path", "required": True, "schema": s(), "description": "Key id or key."}],
        operation_id="deleteKey"))
    add(paths, "/admin/api-keys/{id}", "patch", op(
        "Admin · Keys", "Change a key's weight or tier", ADMIN,
        {"200": json_response("The key now.", ref("KeyAnswer")), **admin_errors({"404": error("No such key.")})},
        parameters=[{"name": "id", "in": "path", "required": True, "schema": s(), "description": "Key id or key."}],
        body=BODIES["UpdateKey"], operation_id="updateKeyPlacement"))
    for path, body, summary, name in [
            ("/admin/api-keys/import", "ImportKeys", "Import keys ({keys} or {content})", "importKeys"),
            ("/admin/api-keys/import-from-txt", "ImportText", "Import an ollama.txt-style text", "importText"),
            ("/admin/import", "ImportAccounts", "Import accounts ({accounts} or {content})", "importAccounts")]:
        add(paths, path, "post", op(
            "Admin · Keys", summary, ADMIN, {"200": json_response("What was added, duplicated or refused.",
                                                                  ref("ImportSummary")), **admin_errors()},
            description="Every import accepts every format; duplicates are counted, not added.",
            body=BODIES[body], operation_id=name))
    add(paths, "/admin/keys/enable", "post", op(
        "Admin · Keys", "Enable a key", ADMIN, {"200": json_response("The key now.", ref("KeyAnswer")),
                                                **admin_errors({"404": error("No such key.")})},
        body=BODIES["EnableKey"], operation_id="enableKey"))
    add(paths, "/admin/keys/disable", "post", op(
        "Admin · Keys", "Disable a key", ADMIN, {"200": json_response("The key now.", ref("KeyAnswer")),
                                                 **admin_errors({"404": error("No such key.")})},
        body=BODIES["DisableKey"], operation_id="disableKey"))
    add(paths, "/admin/keys/stats", "get", op(
        "Admin · Statistics", "Per-key statistics", ADMIN,
        {"200": json_response("Every key with its counters.", ref("KeyStatsList")), **admin_errors()},
        parameters=[PROVIDER_PARAM], operation_id="keyStats"))
    add(paths, "/admin/stats", "get", op(
        "Admin · Statistics", "Overview", ADMIN, {"200": json_response("Counts.", ref("Overview")), **admin_errors()},
        parameters=[PROVIDER_PARAM], operation_id="overview"))

    # ---- admin: key checks and jobs (where the server has them) ----
    if registered("api-keys/import-with-validation"):
        add(paths, "/admin/api-keys/import-with-validation", "post", op(
            "Admin · Keys", "Import keys, asking the upstream about each first", ADMIN,
            {"202": json_response("Started; follow GET /admin/jobs/{id}.", ref("JobStarted")), **admin_errors()},
            description="Valid keys join active, rate-limited and out-of-credit ones join cooling, rejected ones are "
                        "listed in the job's result and not added.",
            body=BODIES["ImportValidated"], operation_id="importWithValidation"))
    if registered("verify-key"):
        add(paths, "/admin/verify-key", "post", op(
            "Admin · Keys", "Verify one key with the upstream", ADMIN,
            {"200": json_response("What the upstream said.", ref("VerifyAnswer")),
             **admin_errors({"404": error("No such key.")})}, body=BODIES["VerifyKey"], operation_id="verifyKey"))
    if registered("keys/health-check"):
        add(paths, "/admin/keys/health-check", "post", op(
            "Admin · Keys", "Check keys with the upstream (a job)", ADMIN,
            {"202": json_response("Started.", ref("JobStarted")), **admin_errors()},
            body=BODIES["KeySelection"], body_required=False, operation_id="healthCheck"))
    if registered("keys/bulk"):
        add(paths, "/admin/keys/bulk", "post", op(
            "Admin · Keys", "Enable, disable, delete or verify many keys", ADMIN,
            {"200": json_response("Counts.", ref("BulkAnswer")),
             "202": json_response("verify: started a job.", ref("BulkAnswer")), **admin_errors()},
            body=BODIES["BulkAction"], operation_id="bulkKeys"))
    if registered("jobs"):
        add(paths, "/admin/jobs", "get", op("Admin · Jobs", "Recent background jobs", ADMIN,
                                            {"200": json_response("Jobs.", ref("JobList")), **admin_errors()},
                                            operation_id="listJobs"))
    if registered("jobs/:id"):
        add(paths, "/admin/jobs/{id}", "get", op(
            "Admin · Jobs", "One job's progress and result", ADMIN,
            {"200": json_response("The job.", ref("Job")), **admin_errors({"404": error("No such job.")})},
            parameters=[{"name": "id", "in": "path", "required": True, "schema": s()}], operation_id="job"))

    # ---- admin: providers ----
    if registered("providers"):
        name_param = [{"name": "name", "in": "path", "required": True, "schema": s(), "description": "Provider name."}]
        add(paths, "/admin/providers", "get", op(
            "Admin · Providers", "List providers", ADMIN,
            {"200": json_response("Every provider, header values masked.", ref("ProviderList")), **admin_errors()},
            operation_id="listProviders"))
        add(paths, "/admin/providers", "post", op(
            "Admin · Providers", "Add a provider", ADMIN,
            {"201": json_response("Added; effective at once.", ref("ProviderAnswer")),
             **admin_errors({"409": error("A provider of that name exists.")})},
            body=BODIES["CreateProvider"], operation_id="createProvider"))
        add(paths, "/admin/providers/{name}", "get", op(
            "Admin · Providers", "One provider", ADMIN,
            {"200": json_response("The provider.", ref("ProviderAnswer")),
             **admin_errors({"404": error("No such provider.")})}, parameters=name_param, operation_id="getProvider"))
        add(paths, "/admin/providers/{name}", "patch", op(
            "Admin · Providers", "Change a provider", ADMIN,
            {"200": json_response("The provider now.", ref("ProviderAnswer")),
             **admin_errors({"404": error("No such provider."),
                             "409": error("Defined in PROVIDERS_FILE: change it there.")})},
            parameters=name_param, body=BODIES["UpdateProvider"], operation_id="updateProvider"))
        add(paths, "/admin/providers/{name}", "delete", op(
            "Admin · Providers", "Delete a provider", ADMIN,
            {"200": json_response("Deleted.", ref("ProviderDeleted")),
             **admin_errors({"404": error("No such provider."),
                             "409": error("Defined in PROVIDERS_FILE, or it has keys and delete_keys is not true.")})},
            description="Built-in providers cannot be deleted (400); disable them instead.",
            parameters=name_param + [{"name": "delete_keys", "in": "query", "required": False,
                                      "schema": s(enum=["true", "false"]),
                                      "description": "true: delete its keys too."}],
            operation_id="deleteProvider"))

    # ---- admin: tokens ----
    for base, suffix in [("/admin/tokens", ""), ("/admin/client-tokens", " (alias)")]:
        slug = "Alias" if suffix else ""
        add(paths, base, "get", op("Admin · Client tokens", "List client tokens" + suffix, ADMIN,
                                   {"200": json_response("Tokens, by prefix.", ref("TokenList")),
                                    **admin_errors()}, operation_id="listTokens" + slug))
        add(paths, base, "post", op("Admin · Client tokens", "Create a client token" + suffix, ADMIN,
                                    {"201": json_response("Created; the full token is in this answer only.",
                                                          ref("CreatedToken")), **admin_errors()},
                                    body=BODIES["CreateToken"], operation_id="createToken" + slug))
        add(paths, base, "delete", op("Admin · Client tokens", "Revoke a client token" + suffix, ADMIN,
                                      {"200": json_response("Revoked.", ref("RevokeAnswer")),
                                       **admin_errors({"404": error("No such token.")})},
                                      body=BODIES["RevokeToken"], operation_id="revokeToken" + slug))
        add(paths, base + "/{id}", "get", op(
            "Admin · Client tokens", "One client token with its policy and usage" + suffix, ADMIN,
            {"200": json_response("The token.", ref("TokenAnswer")), **admin_errors({"404": error("No such token.")})},
            parameters=[{"name": "id", "in": "path", "required": True, "schema": s()}],
            operation_id="getToken" + slug))
        add(paths, base + "/{id}", "patch", op(
            "Admin · Client tokens", "Change a client token's name, expiry or policy" + suffix, ADMIN,
            {"200": json_response("The token now.", ref("TokenAnswer")),
             **admin_errors({"404": error("No such token.")})},
            parameters=[{"name": "id", "in": "path", "required": True, "schema": s()}],
            body=BODIES["UpdateToken"], operation_id="updateToken" + slug))
        add(paths, base + "/{id}", "delete", op(
            "Admin · Client tokens", "Revoke a client token by id" + suffix, ADMIN,
            {"200": json_response("Revoked.", ref("RevokeAnswer")), **admin_errors({"404": error("No such token.")})},
            parameters=[{"name": "id", "in": "path", "required": True, "schema": s()}],
            operation_id="revokeTokenById" + slug))

    # ---- admin: cache ----
    add(paths, "/admin/cache/stats", "get", op("Admin · Cache", "Model list and response cache statistics", ADMIN,
                                               {"200": json_response("Entries and counters.", ref("CacheStats")),
                                                **admin_errors()}, operation_id="cacheStats"))
    add(paths, "/admin/cache/clear", "post", op("Admin · Cache", "Clear the model list and response caches", ADMIN,
                                                {"200": json_response("Cleared.", ref("CacheCleared")),
                                                 **admin_errors()},
                                                body=BODIES["ClearCache"], body_required=False,
                                                operation_id="clearCache"))

    # ---- admin: request log ----
    if registered("requests"):
        def query(name, description, schema=None):
            return {"name": name, "in": "query", "required": False, "schema": schema or s(),
                    "description": description}
        add(paths, "/admin/requests", "get", op(
            "Admin · Requests", "List proxied requests", ADMIN,
            {"200": json_response("One page, newest first.", ref("RequestList")), **admin_errors()},
            description="The request log: one record per proxied request with every upstream attempt. Read from "
                        "the store (all instances, across restarts) unless REQUEST_LOG_DAYS=0.",
            parameters=[query("token", "A client token id."), query("key", "A key id (any attempt)."),
                        query("model", "The model named in the body."), PROVIDER_PARAM,
                        query("status", "A status code (429), a class (2xx, 4xx, 5xx) or error (>= 400)."),
                        query("since", "ISO 8601 time or Unix seconds (inclusive)."),
                        query("until", "ISO 8601 time or Unix seconds (exclusive)."),
                        query("q", "Case-insensitive text in the id, model, token name or error."),
                        query("limit", "Records per page, 1 to 500 (default 50).", i(minimum=1, maximum=500)),
                        query("cursor", "next_cursor of the previous page.")],
            operation_id="listRequests"))
        add(paths, "/admin/usage", "get", op(
            "Admin · Requests", "Usage by token, key or model", ADMIN,
            {"200": json_response("Rows by bucket, then id.", ref("Usage")), **admin_errors()},
            parameters=[query("by", "token (default), key or model.", s(enum=["token", "key", "model"])),
                        query("period", "hour or day (default).", s(enum=["hour", "day"])),
                        query("since", "ISO 8601 time or Unix seconds; default: 7 days before until."),
                        query("until", "ISO 8601 time or Unix seconds; default: now."), PROVIDER_PARAM],
            operation_id="requestUsage"))

    tags = [
        ("Proxy · Ollama (OpenAI-compatible)", "OpenAI-compatible routes served by the Ollama pool."),
        ("Proxy · OpenRouter (OpenAI-compatible)", "OpenAI-compatible routes served by the OpenRouter pool."),
        ("Proxy · Anthropic-compatible", "Anthropic's Messages API, served by the Ollama pool."),
        ("Proxy · Ollama native", "Ollama's own /api routes, served by the Ollama pool."),
        ("Admin · Keys", "Add, import, list, enable, disable and delete upstream keys."),
        ("Admin · Providers", "Upstream providers: the built-ins, PROVIDERS_FILE's and those added here."),
        ("Admin · Client tokens", "Tokens clients use to call the proxy routes."),
        ("Admin · Jobs", "Background jobs (validated imports, key checks) and their progress."),
        ("Admin · Statistics", "Counters for the dashboard."),
        ("Admin · Cache", "The model list cache and the response cache."),
        ("Admin · Requests", "The request log and usage per token, key and model."),
        ("Public", "No auth needed."),
        ("Web", "The pages this server serves."),
    ]
    return {
        "openapi": "3.1.0",
        "info": {"title": "Ollama API Pool", "version": VERSION,
                 "description": "A self-hosted gateway in front of a pool of upstream LLM API keys (Ollama, "
                                "OpenRouter). Proxy routes take a client token; /admin routes take the admin token."},
        "servers": [{"url": "/"}],
        "tags": [{"name": name, "description": description} for name, description in tags
                 if any(name in operation["tags"] for item in paths.values() for operation in item.values())],
        "paths": paths,
        "components": {
            "schemas": used_schemas(paths),
            "securitySchemes": {
                "adminToken": {"type": "http", "scheme": "bearer", "description": "ADMIN_TOKEN"},
                "clientToken": {"type": "http", "scheme": "bearer", "description": "A client token (sk-…)."},
                "clientApiKey": {"type": "apiKey", "in": "header", "name": "x-api-key",
                                 "description": "A client token, the Anthropic way."},
            },
        },
    }


def used_schemas(paths):
    """The component schemas the paths refer to, directly or through other schemas."""
    def refs(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    yield value.rsplit("/", 1)[-1]
                else:
                    yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    wanted, queue = set(), list(refs(paths))
    while queue:
        name = queue.pop()
        if name not in wanted:
            wanted.add(name)
            queue.extend(refs(SCHEMAS[name]))
    return {name: schema for name, schema in SCHEMAS.items() if name in wanted}


def translations():
    return json.loads(TRANSLATIONS.read_text())


def shown_texts(document):
    """Every text the API docs page shows (docs.js): tags, operations, their parameters, responses and request
    body fields."""
    schemas = document["components"]["schemas"]

    def resolve(schema):
        while "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    for tag in document["tags"]:
        yield tag["name"]
        yield tag["description"]
    for item in document["paths"].values():
        for operation in item.values():
            yield operation["summary"]
            yield operation.get("description")
            for parameter in operation.get("parameters", []):
                yield parameter.get("description")
            for response in operation["responses"].values():
                yield response["description"]
            for content in operation.get("requestBody", {}).get("content", {}).values():
                for prop in resolve(content["schema"]).get("properties", {}).values():
                    yield resolve(prop).get("description") or prop.get("description")


def localize(document):
    """Adds x-name-zh (tags), x-summary-zh and x-description-zh next to every text with a translation; exits when
    a text the page shows has none."""
    zh = translations()
    missing = sorted({text for text in shown_texts(document) if text and text not in zh})
    if missing:
        sys.exit("no Chinese for these texts in %s:\n  %s" % (TRANSLATIONS.relative_to(ROOT), "\n  ".join(missing)))

    def walk(node):
        if isinstance(node, dict):
            for field in ("summary", "description"):
                if isinstance(node.get(field), str) and node[field] in zh:
                    node["x-%s-zh" % field] = zh[node[field]]
            for value in list(node.values()):
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document["paths"])
    walk(document["components"]["schemas"])
    for tag in document["tags"]:
        tag["x-name-zh"] = zh[tag["name"]]
        tag["x-description-zh"] = zh[tag["description"]]
    return document


def render():
    return json.dumps(localize(build()), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv:
        if TARGET.read_text() != text:
            print("openapi.json is stale: run python3 scripts/openapi.py", file=sys.stderr)
            sys.exit(1)
    else:
        TARGET.write_text(text)
        print("wrote", TARGET.relative_to(ROOT))
