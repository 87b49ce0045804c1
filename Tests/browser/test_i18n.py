"""Both languages have every string the pages use."""

import re

from conftest import ROOT

WEB = ROOT / "Sources" / "PoolServer" / "Resources" / "web"
# Keys built at run time from a prefix and a value the code knows.
DYNAMIC = {
    "status.": ["active", "cooling", "disabled", "invalid", "expired"],
    "duration.": ["3600", "21600", "86400", "604800"],
    "ttl.": ["3600", "86400", "604800", "2592000", "7776000"],
    "unit.": ["d", "h", "m", "s"],
    "stats.series_": ["total", "success", "upstream", "client", "refused"],
    "reason.": ["auth", "bad_request", "limits", "model_not_found", "no_key", "overloaded", "provider_disabled"],
    "result.": ["success", "rejected", "rate_limited", "out_of_credit", "failed", "cancelled", "client_error"],
    "usage.by_": ["token", "key", "model"],
    "providers.probe_": ["models", "chat", "key_info"],
    "providers.timeout_": ["connect", "first_byte", "idle"],
}


def tables():
    text = (WEB / "assets" / "i18n.js").read_text()
    english, chinese = text.split("\n  zh: {")
    pattern = re.compile(r'"([a-z_]+\.[a-z_0-9.]+)":')
    return set(pattern.findall(english)), set(pattern.findall(chinese))


def used_keys():
    keys = set()
    for path in (WEB / "assets").glob("*.js"):
        text = path.read_text()
        keys.update(re.findall(r'\bt\("([a-z_]+\.[a-z_0-9.]+)"', text))
        keys.update(re.findall(r'"((?:toast|import|job|keys)\.[a-z_]+)"', text))
    for path in WEB.glob("*.html"):
        text = path.read_text()
        keys.update(re.findall(r'data-i18n(?:-[a-z]+)?="([a-z_.0-9]+)"', text))
        keys.update(re.findall(r'name="page-title" content="([a-z_.]+)"', text))
    keys -= set(DYNAMIC)  # the prefixes themselves, as written in t("stats.series_" + key)
    for prefix, values in DYNAMIC.items():
        keys.update(prefix + value for value in values)
    return keys


def test_english_and_chinese_have_the_same_keys():
    english, chinese = tables()
    assert english - chinese == set()
    assert chinese - english == set()


def test_every_key_the_pages_use_is_translated():
    english, _ = tables()
    assert used_keys() - english == set()


def test_every_refusal_reason_has_a_label():
    """The reasons the statistics report (PoolCore's RefusalReason raw values) are the ones the pages label."""
    source = (ROOT / "Sources" / "PoolCore" / "Stats" / "RefusalReason.swift").read_text()
    reasons = [raw or name for name, raw in re.findall(r'^\s*case (\w+)(?: = "([^"]+)")?$', source, re.M)]
    assert reasons == DYNAMIC["reason."]


def test_every_attempt_result_has_a_label():
    """The attempt results the request log reports (PoolCore's RequestRecord.AttemptResult raw values) are the ones
    the requests tab labels."""
    source = (ROOT / "Sources" / "PoolCore" / "Requests" / "RequestRecord.swift").read_text()
    block = source.split("enum AttemptResult", 1)[1].split("}", 1)[0]
    results = [raw or name for name, raw in re.findall(r'^\s*case (\w+)(?: = "([^"]+)")?$', block, re.M)]
    assert results == DYNAMIC["result."]
