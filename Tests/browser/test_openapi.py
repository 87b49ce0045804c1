"""The OpenAPI document: valid OpenAPI 3.1, up to date with scripts/openapi.py, and every route it lists is one the
running binary really serves."""

import importlib.util
import json
import re
import urllib.request

from openapi_spec_validator import validate

from conftest import ADMIN, ROOT


def served_spec(server):
    with urllib.request.urlopen(server.base + "/openapi.json", timeout=10) as response:
        assert response.headers["content-type"].startswith("application/json")
        return json.loads(response.read())


def test_served_document_is_valid_openapi_3_1(server):
    spec = served_spec(server)
    assert spec["openapi"] == "3.1.0"
    validate(spec)


def test_committed_document_matches_its_generator():
    loader = importlib.util.spec_from_file_location("openapi_generator", ROOT / "scripts" / "openapi.py")
    generator = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(generator)
    committed = (ROOT / "Sources" / "PoolServer" / "Resources" / "web" / "openapi.json").read_text()
    assert committed == generator.render(), "openapi.json is stale: run python3 scripts/openapi.py"


def test_every_documented_route_is_served(server):
    """The router's own 404/405 means a documented route does not exist; a handler's 4xx means it does."""
    spec = served_spec(server)
    missing = []
    for path, item in spec["paths"].items():
        concrete = re.sub(r"\{[^}]+\}", "no-such-thing", path)
        for method, operation in item.items():
            admin = any("adminToken" in entry for entry in operation.get("security", []))
            status, body = server.call(method.upper(), concrete, token=ADMIN if admin else None,
                                       body={} if method in ("post", "delete") else None)
            router_miss = status == 405 or (status == 404 and isinstance(body, dict) and body.get("error") in
                                            ("Not Found", "not found"))
            if router_miss:
                missing.append("%s %s -> %s %s" % (method.upper(), path, status, body))
    assert missing == []


def test_public_stats_needs_no_token_and_admin_routes_do(server):
    status, body = server.call("GET", "/admin/public-stats", token=None)
    assert status == 200 and len(body["hourlyTrend"]) == 24
    status, body = server.call("GET", "/admin/stats", token=None)
    assert status == 401
