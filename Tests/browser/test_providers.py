"""Providers as data on the dashboard: the provider switch lists every provider the server knows (a disabled one
marked), the providers tab adds, edits and deletes one through the real admin API (its refusals shown where the user
acted), a file's provider is read-only, and endpoint keys (an import line that is a URL) carry a base URL, a weight
and a tier that the key table shows and edits. Self-contained: it signs in by itself and works on providers of its
own, which it deletes at the end, so the other files see the built-ins as before. Its tests run in file order."""

import json

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import ADMIN, FILE_PROVIDER, severe_logs

LOCAL = "browser-local"
EMPTY = "browser-empty"
HEADER_SECRET = "header-secret-value-browser-0001"
NEW_HEADER_SECRET = "header-secret-value-browser-0002"
ENDPOINT_SECRET = "endpoint-secret-browser-0001"
STATE = {}


def sign_in(page):
    page.open("/", loaded=False)
    page.driver.execute_script("sessionStorage.setItem('pool.adminToken', arguments[0]);"
                               "sessionStorage.setItem('pool.tab', 'providers');"
                               "localStorage.setItem('pool.provider', 'ollama');"
                               "localStorage.setItem('pool.lang', 'en');", ADMIN)


def providers(server):
    status, answer = server.call("GET", "/admin/providers")
    assert status == 200, answer
    return answer["providers"]


def provider(server, name):
    return next((entry for entry in providers(server) if entry["name"] == name), None)


def switch_names(page):
    return [button.get_attribute("data-provider") for button in page.find_all("#provider-switch [data-provider]")]


def row(name):
    return "#providers-body tr[data-name='%s']" % name


def refused_requests_only(page, statuses):
    """The browser logs every 4xx answer as a console error; the ones a test provoked are read (and so cleared)
    here, and nothing else may be among them."""
    logs = severe_logs(page.driver)
    assert logs and all(any(" %d " % status in entry["message"] or "(%d" % status in entry["message"]
                                for status in statuses) for entry in logs), logs


def show_tab(page, name):
    """Clicks a tab from the top of the page (scrolled down, the sticky top bar would take the click)."""
    page.driver.execute_script("window.scrollTo(0, 0)")
    page.click("[data-tab='%s']" % name)


def keys_of(server, name):
    status, answer = server.call("GET", "/admin/api-keys?provider=%s&pageSize=200" % name)
    assert status == 200, answer
    return answer["keys"]


def test_the_switch_and_the_table_list_every_provider_the_server_knows(page, server):
    sign_in(page)
    page.open("/dashboard")
    listed = providers(server)
    names = [entry["name"] for entry in listed]
    assert names[:2] == ["ollama", "openrouter"] and FILE_PROVIDER["name"] in names
    page.wait(lambda driver: switch_names(page) == names)
    page.wait(lambda driver: [element.get_attribute("data-name") for element in page.find_all("#providers-body tr[data-name]")] == names)
    sources = {entry["name"]: entry["source"] for entry in listed}
    assert sources["ollama"] == sources["openrouter"] == "built_in" and sources[FILE_PROVIDER["name"]] == "file"
    # A file's provider is read-only here, and its header value is shown only as the API masks it.
    filed = row(FILE_PROVIDER["name"])
    assert page.find_all(filed + " [data-action]") == []
    assert "Read-only" in page.text(filed)
    assert page.find("#providers-file-note").is_displayed()
    masked = provider(server, FILE_PROVIDER["name"])["headers"]["X-Filed-Secret"]
    assert masked != FILE_PROVIDER["headers"]["X-Filed-Secret"]
    assert "X-Filed-Secret: " + masked in page.text(filed)
    assert FILE_PROVIDER["headers"]["X-Filed-Secret"] not in page.driver.page_source
    # Built-ins can be edited (their settings' fields read-only) but not deleted.
    assert [b.get_attribute("data-action") for b in page.find_all(row("ollama") + " [data-action]")] == ["edit"]
    page.screenshot("dashboard-providers")


def test_add_a_provider_through_the_form_after_a_refused_name(page, server):
    show_tab(page, "providers")
    page.click("#add-provider summary")
    page.type("#add-provider-name", "Not A Name")
    page.type("#add-provider-base_url", server.mock_base)
    page.click("#add-provider-submit")
    error = page.wait_text("#add-provider-error", lambda text: text != "")
    assert "name" in error.text
    refused_requests_only(page, [400])
    assert provider(server, "not a name") is None

    page.type("#add-provider-name", LOCAL)
    page.find("#add-provider-dialect-ollama").click()
    Select(page.find("#add-provider-probe-kind")).select_by_value("chat")
    page.type("#add-provider-probe-model", "llama3.2:1b")
    assert not page.find("#add-provider-probe-path").is_displayed()
    page.click("#add-provider-add-header")
    page.type("#add-provider-headers .header-row:last-child .header-name", "X-Browser-Test")
    page.type("#add-provider-headers .header-row:last-child .header-value", HEADER_SECRET)
    page.type("#add-provider-timeout-connect", "5")
    page.click("#add-provider-add-alias")
    page.type("#add-provider-aliases .alias-row:last-child .alias-from", "gpt-4o-mini")
    page.type("#add-provider-aliases .alias-row:last-child .alias-to", "llama3.2:1b")
    page.click("#add-provider-submit")
    page.wait_for(row(LOCAL))
    assert page.text("#add-provider-error") == ""

    stored = provider(server, LOCAL)
    assert stored["source"] == "store" and stored["enabled"] is True
    assert stored["base_url"] == server.mock_base and stored["openai_path"] == "/v1"
    assert stored["dialects"] == ["openai", "ollama"]
    assert stored["probe"] == {"kind": "chat", "model": "llama3.2:1b"}
    assert stored["timeouts"].get("connect") == 5
    assert stored["aliases"] == {"gpt-4o-mini": "llama3.2:1b"}
    assert list(stored["headers"]) == ["X-Browser-Test"] and stored["headers"]["X-Browser-Test"] != HEADER_SECRET
    STATE["masked_header"] = stored["headers"]["X-Browser-Test"]
    assert HEADER_SECRET not in page.driver.page_source
    assert "gpt-4o-mini → llama3.2:1b" in page.text(row(LOCAL))
    names = [entry["name"] for entry in providers(server)]
    assert LOCAL in names
    page.wait(lambda driver: switch_names(page) == names)
    # The new provider is offered wherever a provider is chosen: the token scope, the request log's filter, and the
    # statistics page's switch for a signed-in admin.
    show_tab(page, "tokens")
    assert LOCAL in [option.get_attribute("value") for option in page.find_all("#token-scope option")]
    assert LOCAL in [option.get_attribute("value") for option in page.find_all("#requests-provider option")]
    page.open("/stats")
    page.wait(lambda driver: switch_names(page) == [entry["name"] for entry in providers(server)])
    page.click("#provider-switch [data-provider='%s']" % LOCAL)  # its public statistics: none yet, and no error
    page.wait(lambda driver: page.find("#provider-switch [data-provider='%s']" % LOCAL).get_attribute("aria-pressed") == "true")
    page.wait_text("[data-card='total'] .card-value", lambda text: text == "0")
    page.click("#provider-switch [data-provider='ollama']")
    # The API docs show its base URL and offer it in the live tester.
    page.open("/api-docs")
    page.wait_text(".base-url[data-provider='%s'] code" % LOCAL, lambda text: text == page.server.base + "/%s/v1" % LOCAL)
    assert "/%s/v1" % LOCAL in [option.get_attribute("value") for option in page.find_all("#tester-provider option")]
    page.open("/dashboard")


def test_edit_a_provider_keeps_unchanged_headers_and_asks_again_for_touched_ones(page, server):
    show_tab(page, "providers")
    page.click(row(LOCAL) + " [data-action='edit']")
    page.visible("#edit-provider-dialog")
    assert page.find("#edit-provider-name").get_attribute("readonly") is not None
    page.find("#edit-provider-enabled").click()
    alias_to = page.find("#edit-provider-aliases .alias-row .alias-to")
    alias_to.clear()
    alias_to.send_keys("qwen3:8b")
    page.click("#edit-provider-dialog-confirm")
    page.wait(lambda driver: not page.find_all("#edit-provider-dialog"))
    stored = provider(server, LOCAL)
    assert stored["enabled"] is False and stored["aliases"] == {"gpt-4o-mini": "qwen3:8b"}
    assert stored["headers"] == {"X-Browser-Test": STATE["masked_header"]}  # untouched: kept as stored
    assert stored["probe"] == {"kind": "chat", "model": "llama3.2:1b"}
    page.wait(lambda driver: "off" in page.find("#provider-switch [data-provider='%s']" % LOCAL).get_attribute("class"))
    page.wait_text(row(LOCAL) + " .provider-state", lambda text: text == "Disabled")

    # Headers touched: a stored value cannot be resent, so the dialog asks for it before anything is sent.
    page.click(row(LOCAL) + " [data-action='edit']")
    page.visible("#edit-provider-dialog")
    page.find("#edit-provider-enabled").click()
    page.click("#edit-provider-add-header")
    page.type("#edit-provider-headers .header-row:last-child .header-name", "X-Second")
    page.type("#edit-provider-headers .header-row:last-child .header-value", "second-value")
    page.click("#edit-provider-dialog-confirm")
    error = page.wait_text("#edit-provider-dialog-error", lambda text: text != "")
    assert "X-Browser-Test" in error.text
    assert provider(server, LOCAL)["enabled"] is False
    page.type("#edit-provider-headers .header-row[data-stored='X-Browser-Test'] .header-value", NEW_HEADER_SECRET)
    page.click("#edit-provider-dialog-confirm")
    page.wait(lambda driver: not page.find_all("#edit-provider-dialog"))
    stored = provider(server, LOCAL)
    assert stored["enabled"] is True and sorted(stored["headers"]) == ["X-Browser-Test", "X-Second"]
    assert stored["headers"]["X-Browser-Test"] not in (STATE["masked_header"], NEW_HEADER_SECRET)
    assert NEW_HEADER_SECRET not in page.driver.page_source
    page.wait(lambda driver: "off" not in page.find("#provider-switch [data-provider='%s']" % LOCAL).get_attribute("class"))


def test_a_built_in_provider_shows_its_settings_fields_read_only(page, server):
    page.click(row("openrouter") + " [data-action='edit']")
    page.visible("#edit-provider-dialog")
    for field in ("name", "base_url", "openai_path"):
        assert page.find("#edit-provider-" + field).get_attribute("readonly") is not None, field
    assert all(box.get_attribute("disabled") is not None for box in page.find_all("#edit-provider-dialects input"))
    assert page.find("#edit-provider-probe-kind").get_attribute("disabled") is None
    page.screenshot("dashboard-provider-edit")
    before = provider(server, "openrouter")
    page.click("#edit-provider-dialog-cancel")
    page.wait(lambda driver: not page.find_all("#edit-provider-dialog"))
    assert provider(server, "openrouter") == before


def test_import_endpoints_with_a_url_line_then_change_a_placement(page, server):
    page.driver.execute_script("window.scrollTo(0, 0)")
    page.click("#provider-switch [data-provider='%s']" % LOCAL)
    show_tab(page, "import")
    page.type("#import-content", "%s\n%s----%s\n" % (server.mock_base, server.mock_base, ENDPOINT_SECRET))
    page.type("#import-weight", "3")
    page.type("#import-tier", "2")
    page.click("#import-submit")
    page.visible("#import-summary")
    assert page.text("[data-figure='added'] .figure-value") == "2"
    keys = keys_of(server, LOCAL)
    assert sorted((key.get("base_url"), key["weight"], key["tier"]) for key in keys) == [(server.mock_base, 3, 2)] * 2

    show_tab(page, "keys")
    page.wait(lambda driver: len(page.find_all("#keys-body tr[data-id]")) == 2)
    assert all(cell.text == server.mock_base for cell in page.find_all("#keys-body .key-base-url"))
    assert ENDPOINT_SECRET not in page.find("#keys-table").get_attribute("outerHTML")
    target = next(key for key in keys if (key["api_key"] or "").endswith(ENDPOINT_SECRET[-4:]))
    button = "#keys-body tr[data-id='%s'] [data-edit='placement']" % target["id"]
    assert page.text(button).split() == ["×3", "tier", "2"]
    page.click(button)
    page.visible("#placement-dialog")
    weight = page.find("#placement-weight")
    weight.clear()
    weight.send_keys("0")
    page.click("#placement-dialog-confirm")
    assert "weight" in page.wait_text("#placement-dialog-error", lambda text: text != "").text
    refused_requests_only(page, [400])
    weight = page.find("#placement-weight")
    weight.clear()
    weight.send_keys("7")
    tier = page.find("#placement-tier")
    tier.clear()
    tier.send_keys("1")
    page.click("#placement-dialog-confirm")
    page.wait(lambda driver: not page.find_all("#placement-dialog"))
    page.wait_text(button, lambda text: text.split() == ["×7", "tier", "1"])
    changed = next(key for key in keys_of(server, LOCAL) if key["id"] == target["id"])
    assert (changed["weight"], changed["tier"]) == (7, 1)
    page.screenshot("dashboard-endpoint-keys")


def test_add_an_endpoint_key_with_the_form(page, server):
    page.click("#add-key summary")
    page.type("#add-key-base-url", server.mock_base + "/second")
    page.type("#add-key-weight", "4")
    page.type("#add-key-tier", "3")
    page.click("#add-key-submit")
    page.wait(lambda driver: len(page.find_all("#keys-body tr[data-id]")) == 3)
    added = next(key for key in keys_of(server, LOCAL) if key.get("base_url") == server.mock_base + "/second")
    assert (added["weight"], added["tier"]) == (4, 3)
    assert page.text("#keys-body tr[data-id='%s'] [data-edit='placement']" % added["id"]).split() == ["×4", "tier", "3"]


def test_delete_a_provider_with_keys_after_the_server_explains(page, server):
    status, _ = server.call("POST", "/admin/providers", body={"name": EMPTY, "base_url": server.mock_base})
    assert status in (200, 201)
    show_tab(page, "providers")
    page.wait_for(row(EMPTY))
    # Five providers in the switch still fit a phone's screen: the switch wraps.
    size = page.driver.get_window_size()
    page.driver.set_window_size(390, 844)
    try:
        page.wait(lambda driver: len(switch_names(page)) == 5)
        overflow = page.driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, "the dashboard is %dpx wider than a phone's screen" % overflow
        page.screenshot("phone-dashboard-providers", max_height=1200)
    finally:
        page.driver.set_window_size(size["width"], size["height"])
    page.click(row(EMPTY) + " [data-action='delete']")
    page.click("#confirm-dialog-confirm")
    page.wait(lambda driver: not page.find_all(row(EMPTY)))
    assert provider(server, EMPTY) is None

    page.click(row(LOCAL) + " [data-action='delete']")
    page.click("#confirm-dialog-confirm")
    # 409: it has keys. The second question quotes the server and offers to delete them with it.
    page.wait(lambda driver: len(page.find_all("#confirm-dialog p")) == 2)
    reason, question = [element.text for element in page.find_all("#confirm-dialog p")]
    assert LOCAL in reason and "key" in reason  # the server's own words
    assert question == "Delete %s together with its 3 key(s)? This cannot be undone." % LOCAL
    refused_requests_only(page, [409])
    assert provider(server, LOCAL) is not None
    page.screenshot("dashboard-provider-delete")
    page.click("#confirm-dialog-confirm")
    page.wait(lambda driver: not page.find_all(row(LOCAL)))
    assert provider(server, LOCAL) is None
    page.wait(lambda driver: LOCAL not in switch_names(page))
    # The switch was on the deleted provider: it falls back to ollama.
    page.wait(lambda driver: page.find("#provider-switch [data-provider='ollama']").get_attribute("aria-pressed") == "true")


def test_the_providers_tab_speaks_chinese(page, server):
    page.click("#lang-toggle")
    page.wait_text("[data-tab='providers']", lambda text: text.startswith("提供方"))
    page.wait_text("#providers-table th", lambda text: text == "名称")
    assert "只读" in page.text(row(FILE_PROVIDER["name"]))
    page.screenshot("dashboard-providers-zh")
    page.click("#lang-toggle")
    page.wait_text("[data-tab='providers']", lambda text: text.startswith("Providers"))
    page.driver.execute_script("sessionStorage.setItem('pool.tab', 'keys')")
