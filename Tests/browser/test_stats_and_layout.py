"""Honest statistics on the dashboard and the statistics page, the key table at 1280×800, and the API docs' endpoint
list in Chinese. Self-contained: it signs in by itself and works on the OpenRouter pool, which other tests leave
without keys (they only knock on its routes without a token), so every count it checks is exact relative to the
counts it found. Its tests run in file order and share that pool."""

import json
import urllib.error
import urllib.request

from selenium.webdriver.common.by import By

from conftest import ADMIN

GOOD = "good-key-or-layout-0001"
LIMITED = "limited-key-or-layout-0002"  # the mock answers 429 to limited-* keys
STATE = {}


def sign_in(page, provider="openrouter"):
    page.open("/", loaded=False)
    page.driver.execute_script("sessionStorage.setItem('pool.adminToken', arguments[0]);"
                               "localStorage.setItem('pool.provider', arguments[1]);"
                               "localStorage.setItem('pool.lang', 'en');", ADMIN, provider)


def proxied(server, body, token=None, path="/openrouter/v1/chat/completions"):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(server.base + path, data=data, method="POST", headers={
        "authorization": "Bearer " + (token or STATE["token"]), "content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def chat(model="llama3.2:1b"):
    body = {"messages": [{"role": "user", "content": "hi"}]}
    if model is not None:
        body["model"] = model
    return body


def key_id(server, secret):
    keys = server.call("GET", "/admin/api-keys?provider=openrouter&pageSize=200")[1]["keys"]
    return next(key["id"] for key in keys if key["username"] and secret[-4:] in key["username"])


def card(page, name):
    return page.text("[data-card='%s'] .card-value" % name)


def test_refusals_and_upstream_failures_are_counted_apart_from_the_success_rate(page, server):
    before = server.call("GET", "/admin/stats?provider=openrouter")[1]
    assert before["success_count"] == before["upstream_failure_count"] == before["client_error_count"] == 0
    status, created = server.call("POST", "/admin/tokens", body={"name": "layout"})
    assert status == 201
    STATE["token"] = created["token"]
    username = "operator.with.a.rather.long.address-%s@example.com"
    assert server.call("POST", "/admin/api-keys", body={
        "apiKey": GOOD, "username": username % GOOD[-4:], "provider": "openrouter"})[0] == 201

    assert [proxied(server, chat()) for _ in range(3)] == [200, 200, 200]
    assert proxied(server, chat(model=None)) == 200  # no model: counted as such
    assert proxied(server, chat(), token="sk-not-a-client-token") == 401  # refused: auth
    assert proxied(server, b"{not json") == 400  # refused: bad_request
    good = key_id(server, GOOD)
    server.call("POST", "/admin/keys/disable", body={"id": good, "provider": "openrouter"})
    assert proxied(server, chat()) == 503  # refused: no_key
    assert server.call("POST", "/admin/api-keys", body={
        "apiKey": LIMITED, "username": username % LIMITED[-4:], "provider": "openrouter"})[0] == 201
    assert proxied(server, chat()) == 503  # the only usable key is rate-limited: an upstream failure

    stats = server.call("GET", "/admin/stats?provider=openrouter")[1]
    delta = lambda field: stats[field] - before[field]
    assert [delta(field) for field in ("total_requests", "success_count", "upstream_failure_count",
                                       "client_error_count", "refused_count")] == [8, 4, 1, 0, 3]
    reasons = {reason: count - before["refused_by_reason"][reason] for reason, count in stats["refused_by_reason"].items()}
    assert reasons == {"auth": 1, "bad_request": 1, "no_key": 1, "limits": 0, "model_not_found": 0,
                       "overloaded": 0, "provider_disabled": 0}
    # Refusals, whenever they happened, leave the rate alone: 4 successes, 1 upstream failure.
    assert stats["success_rate"] == 80.0 and stats["success_rate_basis"] == 5
    STATE["stats"] = stats

    sign_in(page)
    page.open("/dashboard")
    page.wait_text("[data-card='success-rate'] .card-value", lambda text: text == "80%")
    assert card(page, "upstream-failures") == "1"
    assert card(page, "client-errors") == "0"
    assert card(page, "refused") == "{:,}".format(stats["refused_count"])
    top = sorted(stats["refused_by_reason"].items(), key=lambda item: -item[1])[0]
    labels = {"auth": "bad client token", "bad_request": "malformed body", "no_key": "no usable key"}
    assert page.text("[data-card='refused'] .card-sub").startswith("%s %d" % (labels[top[0]], top[1]))
    assert page.text("[data-card='success-rate'] .card-sub") == "4 of 5 upstream answers"
    page.screenshot("dashboard-request-results")


def test_the_statistics_page_shows_each_category_and_requests_without_a_model(page, server):
    stats = STATE["stats"]
    public = server.call("GET", "/admin/public-stats?provider=openrouter", token=None)[1]["global"]
    assert (public["totalRequests"], public["refusedCount"], public["successRate"]) == (
        stats["total_requests"], stats["refused_count"], 80.0)
    page.open("/stats")
    page.wait_text("[data-card='rate'] .card-value", lambda text: text == "80%")
    assert card(page, "total") == "{:,}".format(stats["total_requests"])
    assert card(page, "success") == "4"
    assert card(page, "upstream") == "1"
    assert card(page, "client") == "0"
    assert card(page, "refused") == "{:,}".format(stats["refused_count"])
    rows = {row.find_element(By.CSS_SELECTOR, "[data-model]").get_attribute("data-model"): row
            for row in page.find_all("#top-models-body tr")}
    assert set(rows) == {"llama3.2:1b", ""}
    llama = rows["llama3.2:1b"]
    cells = lambda row, field: row.find_element(By.CSS_SELECTOR, "[data-field='%s']" % field).text
    # 3 successes, 1 refused (no usable key), 1 upstream failure: the rate is 3 of 4.
    assert (cells(llama, "upstream"), cells(llama, "client"), cells(llama, "refused")) == ("1", "0", "1")
    assert llama.find_elements(By.CSS_SELECTOR, "td")[2].text == "5"
    assert "75%" in llama.text
    no_model = rows[""].find_element(By.CSS_SELECTOR, ".model-name")
    assert no_model.text == "(no model)" and "no-model" in no_model.get_attribute("class")
    assert "unknown" not in page.find("#top-models-body").text
    assert len(page.find_all("#trend-chart circle.point-refused")) == 24
    assert len(page.find_all("#trend-chart circle.point-upstream")) == 24
    page.click("#lang-toggle")
    page.wait_text("[data-card='refused'] .card-label", lambda text: text == "网关拒绝")
    assert rows_text(page, "") == "（无模型）"
    page.screenshot("stats-zh")
    page.click("#lang-toggle")
    page.wait_text("[data-card='refused'] .card-label", lambda text: text == "Refused")


def rows_text(page, model):
    return page.find("#top-models-body [data-model='%s']" % model).text


def test_the_key_table_fits_1280_by_800_with_every_row_action_visible_and_clickable(page, server):
    limited = key_id(server, LIMITED)
    assert server.call("GET", "/admin/api-keys?provider=openrouter&status=cooling")[1]["total"] == 1
    size = page.driver.get_window_size()
    page.driver.set_window_size(1280, 800)
    try:
        page.open("/dashboard")
        page.click("[data-tab='keys']")
        page.wait(lambda driver: len(page.find_all("#keys-body tr[data-id]")) == 2)
        layout = page.driver.execute_script("""
            const wrap = document.querySelector('#keys-table').closest('.table-wrap');
            const box = wrap.getBoundingClientRect();
            const rows = [...document.querySelectorAll('#keys-body tr[data-id]')].map((row) => ({
              id: row.dataset.id,
              actions: [...row.querySelectorAll('.actions button')].map((button) => {
                const r = button.getBoundingClientRect();
                const hit = document.elementFromPoint(r.left + r.width / 2, Math.min(r.top + r.height / 2, innerHeight - 1));
                return { action: button.dataset.action, left: r.left, right: r.right,
                         onTop: r.bottom > innerHeight || button === hit || button.contains(hit) };
              }),
            }));
            return { viewport: innerWidth, page: document.documentElement.scrollWidth, wrapScroll: wrap.scrollWidth,
                     wrapWidth: wrap.clientWidth, left: box.left, right: box.right, rows };
        """)
        assert layout["page"] <= layout["viewport"], layout
        assert layout["wrapScroll"] <= layout["wrapWidth"], "the key table scrolls sideways at 1280 px: %s" % layout
        cooling = next(row for row in layout["rows"] if row["id"] == limited)
        assert [a["action"] for a in cooling["actions"]] == ["verify", "copy-id", "enable", "disable", "delete"]
        for row in layout["rows"]:
            for action in row["actions"]:
                assert layout["left"] <= action["left"] and action["right"] <= layout["right"], (row["id"], action)
                assert action["onTop"], (row["id"], action)
        page.screenshot("dashboard-keys-1280", max_height=800)

        page.find("#keys-body tr[data-id='%s'] [data-action='enable']" % limited).click()
        page.wait(lambda driver: "Active" in page.text("#keys-body tr[data-id='%s'] .badge" % limited))
        for secret in (LIMITED, GOOD):
            row = "#keys-body tr[data-id='%s']" % key_id(server, secret)
            page.wait(lambda driver: page.find(row + " [data-action='delete']").click() or True)
            page.click("#confirm-dialog-confirm")
            page.wait(lambda driver: not page.find_all(row))
        scrolled = page.driver.execute_script(
            "return [scrollX, document.querySelector('#keys-table').closest('.table-wrap').scrollLeft]")
        assert scrolled == [0, 0]
    finally:
        page.driver.set_window_size(size["width"], size["height"])


def test_the_api_docs_endpoint_list_follows_the_language(page, server):
    spec = json.loads(urllib.request.urlopen(server.base + "/openapi.json").read())
    page.open("/api-docs")
    page.click("#lang-toggle")
    page.wait_text("h1", lambda text: text == "API 文档")

    def shown():
        return [(element.get_attribute("data-method"), element.get_attribute("data-path"),
                 element.find_element(By.CSS_SELECTOR, ".endpoint-summary").text)
                for element in page.find_all("#endpoint-groups details.endpoint")]

    page.wait(lambda driver: all(summary == spec["paths"][path][method]["x-summary-zh"]
                                 for method, path, summary in shown()))
    assert len(shown()) == sum(len(item) for item in spec["paths"].values())
    headings = [element.text for element in page.find_all("#endpoint-groups h3")]
    assert headings == [tag["x-name-zh"] for tag in spec["tags"]]
    assert [element.text for element in page.find_all("#toc-tags a")] == headings
    page.find("#endpoint-groups details.endpoint[data-path='/admin/stats']").click()
    body = page.find("#endpoint-groups details.endpoint[data-path='/admin/stats'] .endpoint-body").text
    assert "要操作的池（默认 ollama）。" in body and "缺少管理员 Token 或 Token 无效。" in body
    page.screenshot("api-docs-zh", max_height=1700)

    page.click("#lang-toggle")
    page.wait_text("h1", lambda text: text == "API documentation")
    page.wait(lambda driver: all(summary == spec["paths"][path][method]["summary"]
                                 for method, path, summary in shown()))
    page.driver.execute_script("localStorage.setItem('pool.provider', 'ollama')")
