"""The dashboard's "Requests" tab and "Usage" view over real proxied traffic: the table filtered and paged with
"load more", a failover's two attempts in the detail drawer (with the request body: the suite's gateway runs with
LOG_BODIES=1), auto-refresh, and the usage chart's bars against `GET /admin/usage`. Self-contained: it signs in by
itself and makes its traffic with a client token of its own on the Ollama pool, so the rows it counts are its own
whatever the other files did before. Its tests run in file order and share that traffic."""

import json
import math
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from conftest import ADMIN, severe_logs

TOKEN_NAME = "reqlog <b>browser</b>"
GOOD = "good-key-reqlog-0001"
LIMITED = "limited-key-reqlog-0002"  # the mock answers 429 to limited-* keys: the pool fails over
XSS_MODEL = "<img src=x onerror=alert(1)>"
STATE = {}


def sign_in(page):
    page.open("/", loaded=False)
    page.driver.execute_script("sessionStorage.setItem('pool.adminToken', arguments[0]);"
                               "sessionStorage.removeItem('pool.requests.auto');"
                               "sessionStorage.removeItem('pool.usage');"
                               "localStorage.setItem('pool.provider', 'ollama');"
                               "localStorage.setItem('pool.lang', 'en');", ADMIN)


def proxied(server, body, stream=False):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(server.base + "/v1/chat/completions", data=data, method="POST", headers={
        "authorization": "Bearer " + STATE["token"], "content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def chat(model, stream=False):
    return {"model": model, "messages": [{"role": "user", "content": "hi from the request log test"}], "stream": stream}


def logged(server, **filters):
    """Every record `GET /admin/requests` gives for `filters`, newest first, following the cursor."""
    records, cursor = [], None
    while True:
        query = dict(filters, limit=500, **({"cursor": cursor} if cursor else {}))
        status, answer = server.call("GET", "/admin/requests?" + urllib.parse.urlencode(query))
        assert status == 200, answer
        records += answer["requests"]
        cursor = answer["next_cursor"]
        if not cursor:
            return records


def tokens_text(record):
    """The table's "Tokens in / out" cell for a record."""
    if record["prompt_tokens"] is None and record["completion_tokens"] is None:
        return "—"
    return "{:,} / {:,}".format(record["prompt_tokens"] or 0, record["completion_tokens"] or 0)


def shown_ids(page):
    return [row.get_attribute("data-id") for row in page.find_all("#requests-body tr[data-id]")]


def wait_rows(page, expected_ids):
    page.wait(lambda driver: shown_ids(page) == expected_ids)


def open_requests(page):
    page.open("/dashboard")
    page.click("[data-tab='requests']")
    page.visible("#requests-table")


def choose_token(page):
    page.wait(lambda driver: page.find_all("#requests-token option[value='%s']" % STATE["token_id"]))
    Select(page.find("#requests-token")).select_by_value(STATE["token_id"])


def test_the_requests_tab_lists_this_tokens_traffic_newest_first_and_loads_more(page, server):
    status, created = server.call("POST", "/admin/tokens", body={"name": TOKEN_NAME})
    assert status == 201
    STATE["token"], STATE["token_id"] = created["token"], created["id"]
    for secret, username in ((GOOD, "reqlog-good"), (LIMITED, "reqlog-limited")):
        assert server.call("POST", "/admin/api-keys", body={
            "apiKey": secret, "username": username, "provider": "ollama"})[0] == 201
    keys = server.call("GET", "/admin/api-keys?provider=ollama&pageSize=200")[1]["keys"]
    STATE["keys"] = {key["username"]: key["id"] for key in keys if (key.get("username") or "").startswith("reqlog-")}

    # 28 requests: 20 + 5 plain answers, one stream, one odd model name, one body the gateway refuses.
    statuses = [proxied(server, chat("llama3.2:1b")) for _ in range(20)]
    statuses += [proxied(server, chat("qwen3:8b")) for _ in range(5)]
    statuses += [proxied(server, chat("llama3.2:1b", stream=True)), proxied(server, chat(XSS_MODEL)), proxied(server, b"{not json")]
    assert statuses == [200] * 27 + [400]
    records = logged(server, token=STATE["token_id"])
    assert len(records) == 28
    assert [record["token_name"] for record in records] == [TOKEN_NAME] * 28
    STATE["records"] = records

    sign_in(page)
    open_requests(page)
    choose_token(page)
    wait_rows(page, [record["id"] for record in records[:25]])
    assert page.find("#requests-more").is_displayed()
    first = page.find("#requests-body tr[data-id='%s']" % records[0]["id"])
    assert first.find_element(By.CSS_SELECTOR, ".request-status").text.startswith("400")
    assert first.find_element(By.CSS_SELECTOR, ".request-token").text == TOKEN_NAME
    odd = page.find("#requests-body tr[data-id='%s']" % records[1]["id"])
    assert odd.find_element(By.CSS_SELECTOR, ".request-model").text == XSS_MODEL
    assert page.find_all("#requests-table img") == [] and page.find_all("#requests-table b") == []
    stream = page.find("#requests-body tr[data-id='%s']" % records[2]["id"])
    assert "stream" in stream.find_element(By.CSS_SELECTOR, ".request-model").text
    assert stream.find_element(By.CSS_SELECTOR, ".request-tokens").text == tokens_text(records[2])
    page.screenshot("dashboard-requests")

    page.click("#requests-more")
    wait_rows(page, [record["id"] for record in records])
    assert not page.find("#requests-more").is_displayed()
    assert page.text("#requests-info").startswith("28 shown")


def test_filters_narrow_the_table_to_what_the_api_answers(page, server):
    records = STATE["records"]
    mine = {"token": STATE["token_id"]}
    qwen = [record["id"] for record in records if record["model"] == "qwen3:8b"]
    assert qwen == [record["id"] for record in logged(server, model="qwen3:8b", **mine)] and len(qwen) == 5
    page.type("#requests-model", "qwen3:8b")
    wait_rows(page, qwen)
    page.find("#requests-model").clear()
    page.type("#requests-status", "4xx")
    refused = [record["id"] for record in records if 400 <= record["status"] < 500]
    assert len(refused) == 1 and refused == [record["id"] for record in logged(server, status="4xx", **mine)]
    wait_rows(page, refused)
    page.find("#requests-status").clear()
    page.type("#requests-q", "ONERROR")  # a case-insensitive piece of the odd model's name
    wait_rows(page, [record["id"] for record in records if record["model"] == XSS_MODEL])
    page.find("#requests-q").clear()
    Select(page.find("#requests-provider")).select_by_value("openrouter")
    page.wait_text("#requests-body td.empty", lambda text: text == "No logged request matches these filters.")
    assert logged(server, provider="openrouter", **mine) == []
    Select(page.find("#requests-provider")).select_by_value("")
    # Since a minute after the newest record: nothing (the picker is local time, sent as UTC).
    newest = datetime.fromisoformat(records[0]["started_at"].replace("Z", "+00:00")).timestamp()
    page.driver.execute_script("""
        const input = document.querySelector('#requests-since');
        const local = new Date((arguments[0] + 60) * 1000 - new Date().getTimezoneOffset() * 60000);
        input.value = local.toISOString().slice(0, 19);
        input.dispatchEvent(new Event('change'));""", newest)
    page.wait_text("#requests-body td.empty", lambda text: text == "No logged request matches these filters.")
    page.click("#requests-clear")
    page.wait(lambda driver: len(shown_ids(page)) >= 25 and page.find("#requests-token").get_attribute("value") == "")

    # A filter the server refuses: its message in the panel, nothing thrown.
    choose_token(page)
    page.type("#requests-status", "teapot")
    error = page.wait_text("#requests-error", lambda text: text != "")
    assert error.is_displayed()
    page.find("#requests-status").clear()
    page.find("#requests-status").send_keys(" ")
    page.wait(lambda driver: not page.find("#requests-error").is_displayed())
    wait_rows(page, [record["id"] for record in records[:25]])
    # The only console entries: the browser's notes about the refused requests, which the page showed instead.
    logs = severe_logs(page.driver)
    assert logs and all("/admin/requests" in entry["message"] and "400" in entry["message"] for entry in logs), logs


def test_a_failover_shows_both_attempts_and_the_body_in_the_detail_drawer(page, server):
    limited = STATE["keys"]["reqlog-limited"]
    failovers = [record for record in STATE["records"] if len(record["attempts"]) == 2]
    assert len(failovers) == 1, [record["attempts"] for record in STATE["records"]]
    record = failovers[0]
    assert [attempt["result"] for attempt in record["attempts"]] == ["rate_limited", "success"]
    assert record["attempts"][0]["key_id"] == limited and record["attempts"][0]["status"] == 429

    page.type("#requests-q", record["id"])
    wait_rows(page, [record["id"]])
    row = "#requests-body tr[data-id='%s']" % record["id"]
    assert page.text(row + " .request-attempts") == "2"
    assert page.text(row + " .request-key") == record["attempts"][1]["key_id"]
    page.click(row + " [data-action='detail']")
    page.visible("#request-detail")
    assert page.text("#request-detail-id") == record["id"]
    attempts = page.find_all("#request-attempts tbody tr.attempt-row")
    assert [attempt.get_attribute("data-result") for attempt in attempts] == ["rate_limited", "success"]
    cells = [[cell.text for cell in attempt.find_elements(By.CSS_SELECTOR, "td")] for attempt in attempts]
    assert cells[0][1].startswith(limited) and cells[0][2] == "rate-limited" and cells[0][3] == "429"
    assert cells[1][1].startswith(record["attempts"][1]["key_id"]) and cells[1][2] == "success"
    errors = [attempt["error"] for attempt in record["attempts"] if attempt["error"]]
    assert errors and [cell.text for cell in page.find_all("#request-attempts .attempt-error")] == errors
    body = json.loads(page.text("#request-detail-request-body"))
    assert body == chat(record["model"]) == json.loads(record["body"])
    page.screenshot("dashboard-request-detail")

    # "Filter" next to the first attempt's key: the table shows what the API gives for that key.
    page.find("#request-attempts tbody tr:first-child [data-filter='key']").click()
    assert page.find("#requests-key").get_attribute("value") == limited
    page.find("#requests-q").clear()
    page.find("#requests-q").send_keys(" ")
    wait_rows(page, [entry["id"] for entry in logged(server, key=limited, token=STATE["token_id"])][:25])
    page.click("#request-detail-close")
    assert not page.find("#request-detail").is_displayed()
    page.click("#requests-clear")

    refused = STATE["records"][0]
    page.type("#requests-q", refused["id"])
    wait_rows(page, [refused["id"]])
    page.click("#requests-body tr[data-id='%s'] [data-action='detail']" % refused["id"])
    page.wait_text("#request-detail-id", lambda text: text == refused["id"])
    assert page.find_all("#request-attempts") == []
    assert page.text("#request-detail-error") == refused["error"] and refused["error"]
    ActionChains(page.driver).send_keys(Keys.ESCAPE).perform()  # Escape closes the drawer
    page.wait(lambda driver: not page.find("#request-detail").is_displayed())
    focused = page.driver.switch_to.active_element  # back on the row the drawer was opened from
    assert focused.get_attribute("data-action") == "detail"
    assert focused.find_element(By.XPATH, "ancestor::tr").get_attribute("data-id") == refused["id"]
    page.click("#requests-clear")


def test_refresh_and_auto_refresh_bring_new_requests(page, server):
    choose_token(page)
    wait_rows(page, [record["id"] for record in STATE["records"][:25]])
    assert proxied(server, chat("qwen3:8b")) == 200
    newest = logged(server, token=STATE["token_id"])[0]["id"]
    page.click("#refresh-now")
    page.wait(lambda driver: shown_ids(page)[:1] == [newest])
    page.click("#requests-auto")
    assert proxied(server, chat("qwen3:8b")) == 200
    latest = logged(server, token=STATE["token_id"])
    page.wait(lambda driver: shown_ids(page)[:2] == [latest[0]["id"], newest], timeout=40)
    page.click("#requests-auto")
    assert page.driver.execute_script("return sessionStorage.getItem('pool.requests.auto')") == "0"
    STATE["records"] = latest


def bucket_count(answer, seconds):
    parse = lambda text: datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    # `until` is the range's end, not in it.
    return math.floor((parse(answer["until"]) - 0.001) / seconds) - math.floor(parse(answer["since"]) / seconds) + 1


def bars(page, series=None):
    selector = "#usage-chart rect.chart-bar" + ("[data-series='%s']" % series if series is not None else "")
    return [(bar.get_attribute("data-series"), int(bar.get_attribute("data-value"))) for bar in page.find_all(selector)]


def test_the_usage_view_draws_bars_that_add_up_to_the_api_totals(page, server):
    status, answer = server.call("GET", "/admin/usage?by=token&period=day")
    assert status == 200 and answer["by"] == "token" and answer["period"] == "day"
    mine = [row for row in answer["rows"] if row["id"] == STATE["token_id"]]
    assert sum(row["requests"] for row in mine) == len(STATE["records"]) == 30
    tokens = sum(row["prompt_tokens"] + row["completion_tokens"] for row in mine)
    assert tokens == sum((record["prompt_tokens"] or 0) + (record["completion_tokens"] or 0) for record in STATE["records"]) > 0

    page.click("[data-tab='usage']")
    page.wait(lambda driver: sum(value for _, value in bars(page, STATE["token_id"])) == 30)
    chart = page.find("#usage-chart svg")
    label = " ".join(page.find("#" + part).text or page.find("#" + part).get_attribute("textContent")
                     for part in chart.get_attribute("aria-labelledby").split())
    assert label.startswith("Requests per day · By token")
    assert int(chart.get_attribute("data-bars")) == 8  # 7 days back from now, by UTC day: 8 buckets
    token_row = "#usage-body tr[data-id='%s']" % STATE["token_id"]
    assert page.text(token_row + " .usage-name") == TOKEN_NAME
    assert page.text(token_row + " [data-field='requests']") == "30"
    assert page.text(token_row + " [data-field='tokens']") == "{:,}".format(tokens)
    assert page.text(token_row + " [data-field='failed']") == "{:,}".format(sum(row["failed"] for row in mine))
    every = {row["id"]: 0 for row in answer["rows"]}
    for entry in answer["rows"]:
        every[entry["id"]] += entry["requests"]
    assert page.text("#usage-foot [data-field='requests']") == "{:,}".format(sum(every.values()))
    assert len(page.find_all("#usage-body tr[data-id]")) == len(every)
    page.screenshot("dashboard-usage")

    page.click("#usage-metric [data-metric='tokens']")
    page.wait(lambda driver: sum(value for _, value in bars(page, STATE["token_id"])) == tokens)

    page.click("#usage-by [data-by='model']")
    by_model = server.call("GET", "/admin/usage?by=model&period=day")[1]
    qwen = sum(row["requests"] for row in by_model["rows"] if row["id"] == "qwen3:8b")
    assert qwen >= 7
    page.wait_text("#usage-body tr[data-id='qwen3:8b'] [data-field='requests']", lambda text: text == "{:,}".format(qwen))
    odd = page.find("#usage-body tr[data-id='%s'] .usage-name" % XSS_MODEL.replace("'", "\\'"))
    assert odd.text == XSS_MODEL and page.find_all("#usage-table img") == []
    assert any(element.text == "llama3.2:1b" for element in page.find_all("#usage-legend .legend-item"))

    page.click("#usage-metric [data-metric='requests']")
    page.click("#usage-period [data-period='hour']")
    Select(page.find("#usage-range")).select_by_value("24")
    by_hour = server.call("GET", "/admin/usage?" + urllib.parse.urlencode({
        "by": "model", "period": "hour", "since": page.driver.execute_script(
            "return new Date(Date.now() - 86400000).toISOString()")}))[1]
    # From the hour 24 hours ago to this hour: 25 buckets (24 when the range starts on the hour).
    page.wait(lambda driver: page.find("#usage-chart svg").get_attribute("data-bars") in ("24", "25"))
    assert bucket_count(by_hour, 3600) in (24, 25)
    page.wait(lambda driver: sum(value for _, value in bars(page)) == sum(row["requests"] for row in by_hour["rows"]))
    page.screenshot("dashboard-usage-hourly")

    page.click("#usage-by [data-by='key']")
    by_key = server.call("GET", "/admin/usage?by=key&period=hour&since=" + by_hour["since"])[1]
    good_key = STATE["records"][0]["attempts"][-1]["key_id"]
    expected = sum(row["requests"] for row in by_key["rows"] if row["id"] == good_key)
    page.wait_text("#usage-body tr[data-id='%s'] [data-field='requests']" % good_key,
                   lambda text: text == "{:,}".format(expected))


def test_both_tabs_read_in_chinese_and_fit_a_phone(page, server):
    page.click("#lang-toggle")
    page.wait_text("[data-tab='usage']", lambda text: text == "用量")
    assert page.text("#usage-table th") == "名称"
    page.click("[data-tab='requests']")
    page.wait_text("[data-tab='requests']", lambda text: text == "请求记录")
    page.wait(lambda driver: len(shown_ids(page)) > 0)
    page.click("#lang-toggle")
    page.wait_text("[data-tab='requests']", lambda text: text == "Requests")

    size = page.driver.get_window_size()
    page.driver.set_window_size(390, 844)
    try:
        for tab in ("requests", "usage"):
            page.open("/dashboard")
            page.click("[data-tab='%s']" % tab)
            overflow = page.driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, "the %s tab is %dpx wider than the screen" % (tab, overflow)
            page.screenshot("phone-dashboard-" + tab, max_height=1800)
    finally:
        page.driver.set_window_size(size["width"], size["height"])
        # Later files open the dashboard on its first tab.
        page.driver.execute_script("sessionStorage.setItem('pool.tab', 'keys')")
        for username in ("reqlog-good", "reqlog-limited"):
            server.call("DELETE", "/admin/api-keys/" + STATE["keys"][username])
