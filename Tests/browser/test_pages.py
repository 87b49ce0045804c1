"""The pages in a real browser, in the order a person meets them: log in, add a key, create a token, import,
disable and enable keys, watch statistics fill from proxied requests, try the API in the live tester, switch
language. The tests share one browser and one server, so they run in file order."""

import json
import time
import urllib.request

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import ADMIN, severe_logs

XSS = "<img src=x onerror=alert(1)>"
FIRST_KEY = "good-key-browser-0001"


def no_alert(driver):
    try:
        driver.switch_to.alert
    except NoAlertPresentException:
        return True
    return False


def row_for(page, username):
    for row in page.find_all("#keys-body tr[data-id]"):
        if row.find_element(By.CSS_SELECTOR, ".username").text == username:
            return row
    return None


def row_action(page, username, action):
    """Clicks a row's action button, looking the row up again when a refresh redrew the table meanwhile."""
    def attempt(driver):
        row = row_for(page, username)
        if row is None:
            return False
        row.find_element(By.CSS_SELECTOR, "[data-action='%s']" % action).click()
        return True
    page.wait(attempt)


def server_routes(server):
    """"METHOD /path" of every route the server's OpenAPI document lists (the dashboard decides the same way)."""
    spec = json.loads(urllib.request.urlopen(server.base + "/openapi.json").read())
    return {method.upper() + " " + path for path, item in spec["paths"].items() for method in item}


def key_total(server):
    return server.call("GET", "/admin/api-keys")[1]["total"]

def proxied_chat(server, model, stream=False):
    body = json.dumps({"model": model, "messages": [{"role": "user", "content": "hi"}], "stream": stream}).encode()
    request = urllib.request.Request(server.base + "/v1/chat/completions", data=body, method="POST", headers={
        "authorization": "Bearer " + server.state["token"], "content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        return response.status


def badge_of(page, username):
    row = row_for(page, username)
    return row.find_element(By.CSS_SELECTOR, ".badge").text if row else ""


def test_login_rejects_a_wrong_token_then_keeps_the_right_one_for_this_tab(page):
    page.open("/", loaded=False)
    page.visible("#admin-token")
    page.screenshot("login", readme=True)
    page.type("#admin-token", "not-the-admin-token")
    page.click("#login-submit")
    error = page.wait_text("#login-error", lambda text: text != "")
    assert "not valid" in error.text
    assert page.driver.current_url.endswith("/")
    # The only console entry allowed here is the browser's note about the refused request.
    logs = severe_logs(page.driver)
    assert all("401" in entry["message"] and "/admin/stats" in entry["message"] for entry in logs), logs

    page.type("#admin-token", ADMIN)
    page.click("#login-submit")
    page.wait(lambda driver: driver.current_url.endswith("/dashboard"))
    page.wait_for("body[data-loaded='true']")
    stored = page.driver.execute_script("return [sessionStorage.getItem('pool.adminToken'), localStorage.getItem('pool.adminToken')]")
    assert stored == [ADMIN, None]


def test_add_a_key_whose_username_is_an_xss_attempt_renders_it_as_text(page):
    page.click("[data-tab='keys']")
    page.click("#add-key summary")
    page.type("#add-key-secret", FIRST_KEY)
    page.type("#add-key-username", XSS)
    page.click("#add-key-submit")
    page.wait(lambda driver: row_for(page, XSS) is not None)
    assert page.find_all("#keys-table img") == []
    assert no_alert(page.driver)
    assert "Active" in badge_of(page, XSS)
    page.wait_text("[data-card='keys-total'] .card-value", lambda text: text == "1")
    page.wait_text("[data-card='keys-active'] .card-value", lambda text: text == "1")


def test_create_a_token_and_read_it_from_the_show_once_dialog(page, server):
    page.click("[data-tab='tokens']")
    page.type("#token-name", "browser <b>token</b>")
    Select(page.find("#token-scope")).select_by_value("ollama")
    page.click("#token-submit")
    field = page.visible("#new-token-value")
    token = field.get_attribute("value")
    assert token.startswith("sk-") and len(token) > 20
    page.click("#new-token-copy")
    page.screenshot("dashboard-token-dialog")
    page.click("#token-dialog-confirm")
    page.wait(lambda driver: not driver.find_elements(By.CSS_SELECTOR, "#token-dialog"))
    name_cell = page.wait_text("#tokens-body .token-name", lambda text: text == "browser <b>token</b>")
    assert name_cell.find_elements(By.CSS_SELECTOR, "b") == []
    prefix = page.text("#tokens-body tr td.mono")
    assert token.startswith(prefix.rstrip("…"))
    assert token not in page.driver.page_source
    status, models = server.call("GET", "/v1/models", token=token)
    assert status == 200 and models["data"]
    server.state["token"] = token

    page.type("#token-name", "short-lived")
    page.click("#token-submit")
    page.visible("#new-token-value")
    page.click("#token-dialog-confirm")
    page.wait(lambda driver: len(page.find_all("#tokens-body tr[data-id]")) == 2)
    page.wait(lambda driver: [row.find_element(By.CSS_SELECTOR, "[data-action='revoke']").click()
                              for row in page.find_all("#tokens-body tr[data-id]")
                              if row.find_element(By.CSS_SELECTOR, ".token-name").text == "short-lived"] != [])
    page.click("#confirm-dialog-confirm")
    page.wait(lambda driver: [cell.text for cell in page.find_all("#tokens-body .token-name")] == ["browser <b>token</b>"])


def test_a_token_policy_is_set_at_creation_shown_as_usage_bars_and_edited_in_a_dialog(page, server):
    page.click("[data-tab='tokens']")
    page.type("#token-name", "limited")
    page.click("#token-policy summary")
    page.type("#token-policy-rpm", "60")
    page.type("#token-policy-request_quota", "1000")
    Select(page.find("#token-policy-quota_period")).select_by_value("day")
    page.type("#token-policy-models", "qwen*, gpt-4o")
    page.click("#token-submit")
    token = page.visible("#new-token-value").get_attribute("value")
    page.click("#token-dialog-confirm")
    page.wait(lambda driver: not driver.find_elements(By.CSS_SELECTOR, "#token-dialog"))
    status, listed = server.call("GET", "/admin/tokens")
    mine = [entry for entry in listed["tokens"] if entry["name"] == "limited"][0]
    assert (mine["rpm"], mine["request_quota"], mine["quota_period"]) == (60, 1000, "day")
    assert mine["models"] == ["qwen*", "gpt-4o"] and "tpm" not in mine

    row = "#tokens-body tr[data-id='%s']" % mine["id"]
    page.wait_text(row + " .usage", lambda text: "0 / 60" in text and "0 / 1,000" in text and "qwen*" in text)
    # The token works; used only now, so the usage above cannot depend on whether a refresh came before this request.
    assert server.call("GET", "/v1/models", token=token)[0] == 200
    page.screenshot("dashboard-token-usage")
    page.click(row + " [data-action='edit']")
    page.visible("#edit-token-dialog")
    rpm = page.find("#edit-token-rpm")
    assert rpm.get_attribute("value") == "60"
    rpm.clear()
    page.type("#edit-token-tpm", "5000")
    page.find("#edit-token-models").clear()
    page.click("#edit-token-dialog-confirm")
    page.wait(lambda driver: not driver.find_elements(By.CSS_SELECTOR, "#edit-token-dialog"))
    page.wait_text(row + " .usage", lambda text: "/ 5,000" in text and "/ 60" not in text and "qwen*" not in text)
    mine = [entry for entry in server.call("GET", "/admin/tokens")[1]["tokens"] if entry["name"] == "limited"][0]
    assert "rpm" not in mine and "models" not in mine and mine["tpm"] == 5000 and mine["request_quota"] == 1000


def test_import_a_file_of_lines_and_read_the_summary(page, server, tmp_path):
    page.click("[data-tab='import']")
    upload = tmp_path / "ollama.txt"
    upload.write_text("# exported accounts\n"
                      "bob@example.com----pw----session----good-key-browser-0002\n"
                      "carol----good-key-browser-0003\n"
                      "short\n"
                      + FIRST_KEY + "\n")
    page.find("#import-file").send_keys(str(upload))
    page.wait(lambda driver: "good-key-browser-0003" in page.find("#import-content").get_attribute("value"))
    page.click("#import-submit")
    page.visible("#import-summary")
    figure = lambda name: page.text("[data-figure='%s'] .figure-value" % name)
    assert (figure("total"), figure("added"), figure("duplicates"), figure("invalid")) == ("4", "2", "1", "1")
    rows = page.find_all("#import-invalid tbody tr")
    assert len(rows) == 1 and rows[0].find_element(By.CSS_SELECTOR, "td").text == "4"
    assert page.find("progress.bar").get_attribute("value") == page.find("progress.bar").get_attribute("max")
    page.screenshot("dashboard-import")
    page.wait_text("#tab-count-keys", lambda text: text == "3")


def test_statistics_fill_from_real_proxied_requests(page, server):
    for model, count in [("llama3.2:1b", 5), ("qwen3:8b", 3), (XSS, 1)]:
        for _ in range(count):
            assert proxied_chat(server, model) == 200
    status, stats = server.call("GET", "/admin/public-stats", token=None)
    assert stats["global"]["totalRequests"] >= 9
    page.open("/stats")
    points = page.find_all("#trend-chart circle.point-total")
    assert len(points) == 24
    assert page.find("#trend-chart svg").get_attribute("data-points") == "24"
    assert sum(int(point.get_attribute("data-value")) for point in points) == sum(p["requests"] for p in stats["hourlyTrend"])
    assert len(page.find_all("#trend-chart circle.point-success")) == 24
    assert len(page.find_all("#share-chart .slice")) == len(stats["topModels"]) >= 3
    first_row = page.find_all("#top-models-body tr")[0].find_elements(By.CSS_SELECTOR, "td")
    assert [cell.text for cell in first_row[1:3]] == ["llama3.2:1b", "5"]
    assert XSS in [cell.text for cell in page.find_all("#top-models-body .model-name")]
    assert page.find_all("#top-models-body img") == [] and no_alert(page.driver)
    assert page.text("[data-card='total'] .card-value") == "{:,}".format(stats["global"]["totalRequests"])
    source = page.driver.page_source
    for secret in [FIRST_KEY, "browser <b>token</b>", server.state["token"], "bob@example.com"]:
        assert secret not in source and secret not in json.dumps(stats)
    page.screenshot("stats", readme=True)


def test_dashboard_overview_counts_todays_traffic(page):
    page.open("/dashboard")
    page.click("[data-tab='keys']")
    page.wait_text("[data-card='requests-today'] .card-value", lambda text: int(text.replace(",", "")) >= 9)
    assert page.text("[data-card='success-rate'] .card-value").endswith("%")
    page.wait(lambda driver: any(cell.text != "0" for cell in page.find_all("#keys-body td.num")))
    page.screenshot("dashboard-overview")
    page.click("[data-tab='tokens']")
    page.wait(lambda driver: any(int(cell.text.replace(",", "") or 0) >= 9 for cell in page.find_all("#tokens-body td.num")))
    page.screenshot("dashboard-tokens")


def test_validated_import_runs_as_a_job_with_progress(page, server):
    page.click("[data-tab='import']")
    if "POST /admin/api-keys/import-with-validation" not in server_routes(server):
        # A server without the key-lifecycle routes: its OpenAPI document does not list validated import
        # (a background job polled for progress), so the page offers plain import only.
        assert page.find("#import-mode-validated").get_attribute("disabled") is not None
        assert page.find("#import-validated-hint").is_displayed()
        return
    page.click("#import-mode-validated")
    page.type("#import-content", "good-key-browser-0004\nbad-key-browser-0005\n")
    page.click("#import-submit")
    page.visible("#import-summary", timeout=60)
    figure = lambda name: page.text("[data-figure='%s'] .figure-value" % name)
    assert (figure("total"), figure("added"), figure("valid"), figure("invalid")) == ("2", "1", "1", "1")
    rows = page.find_all("#import-invalid tbody tr")
    assert len(rows) == 1 and rows[0].find_element(By.CSS_SELECTOR, "td").text == "2"
    assert page.find("progress.bar").get_attribute("value") == page.find("progress.bar").get_attribute("max")
    page.screenshot("dashboard-import-validated")
    page.click("#import-mode-plain")


def test_disable_a_key_for_an_hour_then_enable_it(page):
    page.click("[data-tab='keys']")
    page.wait(lambda driver: row_for(page, XSS) is not None)
    row_action(page, XSS, "disable")
    Select(page.visible("#disable-duration")).select_by_value("3600")
    page.screenshot("dashboard-disable-dialog")
    page.click("#disable-dialog-confirm")
    page.wait(lambda driver: "Disabled" in badge_of(page, XSS))
    page.wait(lambda driver: "59m" in badge_of(page, XSS) or "1h" in badge_of(page, XSS))
    page.wait_text("[data-card='keys-disabled'] .card-value", lambda text: text == "1")

    row_action(page, XSS, "enable")
    page.wait(lambda driver: "Active" in badge_of(page, XSS))
    page.wait_text("[data-card='keys-disabled'] .card-value", lambda text: text == "0")


def test_select_keys_and_disable_then_enable_them_together(page, server):
    total = key_total(server)
    for username in ("bob@example.com", "carol"):
        page.wait(lambda driver: row_for(page, username).find_element(By.CSS_SELECTOR, ".row-check").click() or True)
    page.wait_text("#bulk-count", lambda text: text.startswith("2"))
    page.click("[data-bulk='disable']")
    Select(page.visible("#disable-duration")).select_by_value("0")
    page.click("#disable-dialog-confirm")
    page.wait(lambda driver: all("Disabled" in badge_of(page, name) for name in ("bob@example.com", "carol")))
    page.wait(lambda driver: "until enabled" in badge_of(page, "carol"))
    Select(page.find("#keys-status")).select_by_value("disabled")
    page.wait(lambda driver: len(page.find_all("#keys-body tr[data-id]")) == 2)
    Select(page.find("#keys-status")).select_by_value("")
    page.wait(lambda driver: len(page.find_all("#keys-body tr[data-id]")) == total)
    page.click("[data-bulk='enable']")
    page.wait(lambda driver: all("Active" in badge_of(page, name) for name in ("bob@example.com", "carol")))
    page.click("#bulk-clear")
    page.type("#keys-search", "carol")
    page.wait(lambda driver: len(page.find_all("#keys-body tr[data-id]")) == 1)
    page.find("#keys-search").clear()
    page.find("#keys-search").send_keys(" ")
    page.wait(lambda driver: len(page.find_all("#keys-body tr[data-id]")) == total)


def test_delete_keys_one_by_one_and_together(page, server):
    for number in (7, 8, 9):
        server.call("POST", "/admin/api-keys", body={"apiKey": "good-key-browser-000%d" % number, "username": "doomed-%d" % number})
    page.click("#refresh-now")
    page.wait(lambda driver: row_for(page, "doomed-9") is not None)
    row_action(page, "doomed-9", "delete")
    page.click("#confirm-dialog-confirm")
    page.wait(lambda driver: row_for(page, "doomed-9") is None)
    for username in ("doomed-7", "doomed-8"):
        page.wait(lambda driver: row_for(page, username).find_element(By.CSS_SELECTOR, ".row-check").click() or True)
    page.click("[data-bulk='delete']")
    page.click("#confirm-dialog-confirm")
    page.wait(lambda driver: row_for(page, "doomed-7") is None and row_for(page, "doomed-8") is None)
    assert page.find("#bulk-bar").get_attribute("hidden") is not None
    assert FIRST_KEY not in page.find("#keys-table").get_attribute("outerHTML")  # keys are shown masked only


def test_verify_keys_one_and_all(page, server):
    routes = server_routes(server)
    if "POST /admin/verify-key" not in routes:
        # A server without the key-lifecycle routes: the page offers no verify buttons until the server's
        # OpenAPI document lists the route.
        assert page.find_all("[data-action='verify']") == []
        assert not page.find("[data-bulk='verify']").is_displayed()
        page.screenshot("dashboard", readme=True)
        return
    row_action(page, "carol", "verify")
    page.wait(lambda driver: any("Verified" in toast.text for toast in page.find_all(".toast")))
    page.click("#keys-select-all")
    page.click("[data-bulk='verify']")
    page.wait(lambda driver: any("Verification finished" in toast.text or "verified" in toast.text
                                 for toast in page.find_all(".toast")), timeout=60)
    page.wait(lambda driver: all("Active" in badge_of(page, name) for name in ("bob@example.com", "carol")))
    page.click("#bulk-clear")
    page.open("/dashboard")
    page.wait(lambda driver: len(page.find_all("#keys-body .chip.category")) == key_total(server))
    page.screenshot("dashboard", readme=True)


def test_live_tester_streams_chunks_from_the_upstream(page, server):
    page.open("/api-docs")
    spec = json.loads(urllib.request.urlopen(server.base + "/openapi.json").read())
    operations = sum(len(item) for item in spec["paths"].values())
    assert len(page.find_all("#endpoint-groups details.endpoint")) == operations
    page.type("#tester-token", server.state["token"])
    page.click("#tester-load-models")
    page.wait(lambda driver: len(page.find_all("#tester-model option")) == 2)
    # Keys that were verified serve only the models the upstream listed for them (the mock: llama3.2:1b).
    Select(page.find("#tester-model")).select_by_value("llama3.2:1b")
    page.type("#tester-system", "You are terse.")
    page.type("#tester-message", "Say hello")
    assert page.find("#tester-stream").is_selected()
    page.click("#tester-send")
    page.wait_for("body[data-tester-done='true']")
    assert page.text("#tester-reply") == "Hello, world!"
    assert int(page.text("#tester-chunk-count")) >= 6
    page.screenshot("api-docs", readme=True, max_height=1700)

    page.driver.execute_script("delete document.body.dataset.testerDone")
    page.find("#tester-stream").click()
    page.click("#tester-send")
    page.wait_for("body[data-tester-done='true']")
    assert page.text("#tester-reply") == "Hello, world!"
    assert page.text("#tester-chunk-count") == "1"


def test_language_switch_is_remembered(page):
    page.open("/stats")
    page.click("#lang-toggle")
    page.wait_text("h1", lambda text: text == "实时统计")
    page.open("/dashboard")
    assert page.text("h1") == "管理后台"
    assert page.text("[data-tab='keys']").startswith("API Keys")
    page.screenshot("dashboard-zh")
    page.open("/api-docs")
    assert page.text("h1") == "API 文档"
    page.click("#lang-toggle")
    page.wait_text("h1", lambda text: text == "API documentation")


def test_pages_fit_a_phone_screen(page):
    size = page.driver.get_window_size()
    page.driver.set_window_size(390, 844)
    try:
        for path, name in [("/dashboard", "phone-dashboard"), ("/stats", "phone-stats"), ("/api-docs", "phone-api-docs")]:
            page.open(path)
            overflow = page.driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, "%s is %dpx wider than the screen" % (path, overflow)
            page.screenshot(name, max_height=1800)
    finally:
        page.driver.set_window_size(size["width"], size["height"])


def test_log_out_forgets_the_token(page):
    page.open("/dashboard")
    page.click("#logout")
    page.wait(lambda driver: driver.current_url.rstrip("/") == page.server.base)
    assert page.driver.execute_script("return sessionStorage.getItem('pool.adminToken')") is None
    page.driver.get(page.server.base + "/dashboard")
    page.wait(lambda driver: driver.current_url.rstrip("/") == page.server.base)
