// Dashboard: the usage view (`GET /admin/usage`). Requests or tokens per hour or day, by token, key or model: a
// stacked bar chart of the largest few (the rest as "other") and a table of every one's totals.
import { $, $$, api, fill, fmtNumber, h, t, withQuery } from "./common.js";
import { PALETTE, stackedBarChart } from "./charts.js";

const STATE_KEY = "pool.usage";
const HOUR_MS = 3_600_000;
const PERIOD_MS = { hour: HOUR_MS, day: 24 * HOUR_MS };
const RANGES = [{ hours: 24, label: "usage.range_24h" }, { hours: 7 * 24, label: "usage.range_7d" }, { hours: 30 * 24, label: "usage.range_30d" }];
/** Series drawn on their own; the rest share one "other" segment. */
const TOP = 8;
const OTHER_COLOR = "#94a3b8";
/** The id the server gives requests without a token, key or model. */
const NONE = "(none)";
/** More buckets than this (a server that answers a wider range than asked) are drawn from the rows alone. */
const MAX_BUCKETS = 1000;

export function createUsagePanel() {
  const state = Object.assign({ by: "token", period: "day", hours: 7 * 24, metric: "requests" }, saved());
  let data = null;
  let generation = 0;

  /** The choices made earlier in this tab, each kept only when it is one this page offers. */
  function saved() {
    let stored = {};
    try {
      stored = JSON.parse(sessionStorage.getItem(STATE_KEY) || "{}") || {};
    } catch (error) {
      return {};
    }
    const valid = {
      by: ["token", "key", "model"].includes(stored.by), period: ["hour", "day"].includes(stored.period),
      hours: RANGES.some((choice) => choice.hours === stored.hours), metric: ["requests", "tokens"].includes(stored.metric),
    };
    return Object.fromEntries(Object.entries(valid).filter(([, ok]) => ok).map(([name]) => [name, stored[name]]));
  }

  async function load() {
    const mine = ++generation;
    const since = new Date(Date.now() - state.hours * HOUR_MS).toISOString();
    try {
      const answer = await api(withQuery("/admin/usage", { by: state.by, period: state.period, since }));
      if (mine !== generation) return;
      data = { ...answer, asked: { since, by: state.by, period: state.period } };
      showError(null);
      render();
    } catch (error) {
      if (mine === generation) showError(error.message);
    }
  }

  function showError(message) {
    $("#usage-error").hidden = !message;
    fill($("#usage-error"), message || "");
  }

  // ---- shaping the answer ---------------------------------------------------------------------------------------

  /** Bucket start times (ms) from the range's first to its last bucket, gaps included, plus any the rows name. */
  function buckets(answer, rows) {
    const size = PERIOD_MS[answer.period] || PERIOD_MS[answer.asked.period];
    const fromRows = rows.map((row) => Date.parse(row.bucket)).filter((time) => !isNaN(time));
    const start = Math.floor(Date.parse(answer.since ?? answer.asked.since) / size) * size;
    // `until` ends the range and is not in it: a range up to midnight has no bucket for the next day.
    const end = Math.floor(((answer.until ? Date.parse(answer.until) : Date.now()) - 1) / size) * size;
    const all = new Set(fromRows);
    if (!isNaN(start) && !isNaN(end) && (end - start) / size < MAX_BUCKETS) {
      for (let time = start; time <= end; time += size) all.add(time);
    }
    return Array.from(all).sort((a, b) => a - b);
  }

  const metricOf = (row) => (state.metric === "tokens" ? (row.prompt_tokens || 0) + (row.completion_tokens || 0) : row.requests || 0);

  /** What a row's id is called: the token's name, the key's id, the model; the server's "(none)" in words. */
  function label(row) {
    if (row.id === NONE || row.id == null) {
      return t(data.by === "model" ? "stats.no_model" : data.by === "key" ? "usage.no_key" : "usage.no_token");
    }
    return row.name ?? row.id;
  }

  /** One entry per id with its totals over the range, the largest first. */
  function totals(rows) {
    const byID = new Map();
    for (const row of rows) {
      const id = row.id ?? "";
      const entry = byID.get(id) || { id: row.id, name: label(row), requests: 0, failed: 0, prompt: 0, completion: 0, metric: 0 };
      entry.requests += row.requests || 0;
      entry.failed += row.failed || 0;
      entry.prompt += row.prompt_tokens || 0;
      entry.completion += row.completion_tokens || 0;
      entry.metric += metricOf(row);
      byID.set(id, entry);
    }
    return Array.from(byID.values()).sort((a, b) => b.metric - a.metric || b.requests - a.requests || String(a.name).localeCompare(String(b.name)));
  }

  // ---- drawing ---------------------------------------------------------------------------------------------

  function render() {
    if (!data) return;
    markControls();
    const rows = Array.isArray(data.rows) ? data.rows : [];
    const times = buckets(data, rows);
    const index = new Map(times.map((time, position) => [time, position]));
    const entries = totals(rows);
    const drawn = entries.filter((entry) => entry.metric > 0).slice(0, TOP);
    const series = drawn.map((entry, position) => ({
      key: entry.id ?? "", label: entry.name, color: PALETTE[position % PALETTE.length], values: new Array(times.length).fill(0),
    }));
    const other = { key: "__other__", label: t("usage.other"), color: OTHER_COLOR, values: new Array(times.length).fill(0) };
    const seriesOf = new Map(series.map((line) => [line.key, line]));
    for (const row of rows) {
      const position = index.get(Date.parse(row.bucket));
      if (position === undefined) continue;
      (seriesOf.get(row.id ?? "") || other).values[position] += metricOf(row);
    }
    if (other.values.some((value) => value > 0)) series.push(other);

    const metric = t(state.metric === "tokens" ? "usage.metric_tokens" : "usage.metric_requests");
    const title = t("usage.chart_title", { metric, period: t(data.period === "hour" ? "usage.per_hour" : "usage.per_day"), by: t("usage.by_" + pick(data.by)) });
    stackedBarChart($("#usage-chart"), times.map(bucketLabel), series, { title, width: 1200, height: 300 });
    fill($("#usage-legend"), series.map((line) => {
      const swatch = h("span", { class: "swatch" });
      swatch.style.background = line.color;
      return h("span", { class: "legend-item", dataset: { series: line.key } }, swatch, line.label);
    }));
    fill($("#usage-caption"), title + " · " + t("usage.caption", { from: bucketLabel(times[0] ?? Date.now(), true), buckets: fmtNumber(times.length) }));
    renderTable(entries);
  }

  /** Only the three groupings this page labels (the answer's `by` is the server's word). */
  const pick = (by) => (["token", "key", "model"].includes(by) ? by : "token");

  /** A bucket's start in UTC: "12-06" for days, "03:00" for hours (with the date when the range spans days). */
  function bucketLabel(time, withDate = false) {
    const date = new Date(time);
    const day = String(date.getUTCMonth() + 1).padStart(2, "0") + "-" + String(date.getUTCDate()).padStart(2, "0");
    if (data.period !== "hour") return day;
    const hour = String(date.getUTCHours()).padStart(2, "0") + ":00";
    return withDate || state.hours > 24 ? day + " " + hour : hour;
  }

  function renderTable(entries) {
    if (entries.length === 0) {
      fill($("#usage-body"), h("tr", {}, h("td", { colSpan: 6, class: "empty" }, t("usage.none"))));
      fill($("#usage-foot"));
      return;
    }
    const showID = (entry) => entry.id != null && entry.id !== NONE && entry.id !== entry.name && data.by !== "model";
    fill($("#usage-body"), entries.map((entry) => h("tr", { dataset: { id: entry.id ?? "" } },
      h("td", {}, h("div", { class: "strong usage-name" + (data.by === "key" && entry.id !== NONE ? " mono" : "") + (entry.id === NONE ? " none" : "") }, entry.name),
        showID(entry) ? h("div", { class: "mono muted small" }, entry.id) : null),
      h("td", { class: "num", dataset: { field: "requests" } }, fmtNumber(entry.requests)),
      h("td", { class: "num", dataset: { field: "failed" } }, fmtNumber(entry.failed)),
      h("td", { class: "num", dataset: { field: "prompt" } }, fmtNumber(entry.prompt)),
      h("td", { class: "num", dataset: { field: "completion" } }, fmtNumber(entry.completion)),
      h("td", { class: "num", dataset: { field: "tokens" } }, fmtNumber(entry.prompt + entry.completion)))));
    const sum = (field) => entries.reduce((total, entry) => total + entry[field], 0);
    fill($("#usage-foot"), h("tr", { class: "totals-row" },
      h("td", { class: "strong" }, t("usage.total")),
      h("td", { class: "num", dataset: { field: "requests" } }, fmtNumber(sum("requests"))),
      h("td", { class: "num", dataset: { field: "failed" } }, fmtNumber(sum("failed"))),
      h("td", { class: "num", dataset: { field: "prompt" } }, fmtNumber(sum("prompt"))),
      h("td", { class: "num", dataset: { field: "completion" } }, fmtNumber(sum("completion"))),
      h("td", { class: "num", dataset: { field: "tokens" } }, fmtNumber(sum("prompt") + sum("completion")))));
  }

  // ---- controls ------------------------------------------------------------------------------------------------

  /** The range choices in the page's language: at start and when the language changes, not on every change (new
   *  option elements under an open list, or under a click being made, would replace the ones it holds). */
  function labelRanges() {
    const range = $("#usage-range");
    fill(range, RANGES.map((choice) => h("option", { value: String(choice.hours) }, t(choice.label))));
    range.value = String(state.hours);
  }

  function markControls() {
    const mark = (group, attribute, value) => {
      for (const button of $$(`#${group} [data-${attribute}]`)) {
        const on = button.dataset[attribute] === value;
        button.classList.toggle("active", on);
        button.setAttribute("aria-pressed", String(on));
      }
    };
    mark("usage-by", "by", state.by);
    mark("usage-period", "period", state.period);
    mark("usage-metric", "metric", state.metric);
    $("#usage-range").value = String(state.hours);
  }

  function change(update, reload = true) {
    Object.assign(state, update);
    sessionStorage.setItem(STATE_KEY, JSON.stringify(state));
    markControls();
    if (reload) load();
    else render();
  }

  for (const button of $$("#usage-by [data-by]")) button.addEventListener("click", () => change({ by: button.dataset.by }));
  for (const button of $$("#usage-period [data-period]")) button.addEventListener("click", () => change({ period: button.dataset.period }));
  for (const button of $$("#usage-metric [data-metric]")) button.addEventListener("click", () => change({ metric: button.dataset.metric }, false));
  $("#usage-range").addEventListener("change", (event) => change({ hours: Number(event.target.value) || 7 * 24 }));
  labelRanges();
  markControls();

  return {
    load,
    relabel() {
      labelRanges();
      markControls();
      render();
    },
  };
}
