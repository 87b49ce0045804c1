// Public statistics: cards, 24-hour trend, model share and the top-10 table from /admin/public-stats.
import {
  $, adminProviders, bindProviderSwitch, drawProviderSwitch, fill, fmtNumber, fmtPercent, fmtTime, getProvider, h, initChrome,
  setKnownProviders, t, toast, withQuery,
} from "./common.js";
import { donutChart, lineChart, PALETTE } from "./charts.js";

const REFRESH_MS = 30_000;
const SERIES = [
  { key: "total", field: "requests", color: "#6366f1", fill: true },
  { key: "success", field: "success", color: "#10b981", dashed: true },
  { key: "upstream", field: "upstreamFailures", color: "#ef4444" },
  { key: "client", field: "clientErrors", color: "#f59e0b" },
  { key: "refused", field: "refused", color: "#94a3b8" },
];

/** A model's name for people: requests that named no model are counted under "". */
function modelLabel(model) {
  return model === "" ? t("stats.no_model") : model;
}

/** The model's name in an element; "(no model)" styled apart, so it never reads as a model of that name. */
function modelName(model, cls) {
  return h("span", { class: cls + (model === "" ? " no-model" : ""), dataset: { model } }, modelLabel(model));
}

/** The two most frequent refusal reasons, e.g. "no usable key 12 · bad client token 3". */
function refusalSummary(byReason) {
  const top = Object.entries(byReason || {}).filter(([, count]) => count > 0).sort((a, b) => b[1] - a[1]).slice(0, 2);
  if (top.length === 0) return t("stats.refused_sub");
  return top.map(([reason, count]) => t("reason." + reason) + " " + fmtNumber(count)).join(" · ");
}

let last = null;

async function load() {
  try {
    const response = await fetch(withQuery("/admin/public-stats", { provider: getProvider() }));
    if (!response.ok) throw new Error("HTTP " + response.status);
    last = await response.json();
    render(last);
  } catch (error) {
    toast(t("stats.load_failed", { error: error.message }), "error");
  }
}

function render(data) {
  const global = data.global;
  fill($('[data-card="total"] .card-value'), fmtNumber(global.totalRequests));
  const basis = global.successRateBasis ?? global.totalRequests;
  fill($('[data-card="rate"] .card-value'), basis ? fmtPercent(global.successRate) : "—");
  fill($('[data-card="rate"] .card-sub'), t("stats.rate_basis", { basis: fmtNumber(basis) }),
    global.unclassifiedFailureCount ? " · " + t("overview.unclassified", { count: fmtNumber(global.unclassifiedFailureCount) }) : null);
  $('[data-card="rate"]').title = t("overview.rate_hint");
  fill($('[data-card="success"] .card-value'), fmtNumber(global.successCount));
  fill($('[data-card="upstream"] .card-value'), fmtNumber(global.upstreamFailureCount ?? 0));
  fill($('[data-card="client"] .card-value'), fmtNumber(global.clientErrorCount ?? 0));
  fill($('[data-card="refused"] .card-value'), fmtNumber(global.refusedCount ?? 0));
  fill($('[data-card="refused"] .card-sub'), refusalSummary(global.refusedByReason));
  fill($('[data-card="keys"] .card-value'), fmtNumber(global.activeKeys + global.coolingKeys) + " / " + fmtNumber(global.totalApiKeys));
  fill($('[data-card="keys"] .card-sub'), t("stats.keys_sub", { active: fmtNumber(global.activeKeys), cooling: fmtNumber(global.coolingKeys) }));
  fill($("#stats-updated"), t("stats.updated", { time: fmtTime(new Date(data.timestamp)) }));
  $("#no-data").hidden = global.totalRequests > 0;
  renderTrend(data.hourlyTrend);
  renderShare(data.topModels);
  renderRecent(data.recentTopModels);
  renderTable(data.topModels);
  document.body.dataset.loaded = "true";
}

function renderTrend(trend) {
  const labels = trend.map((point) => {
    const date = new Date(point.time);
    return String(date.getHours()).padStart(2, "0") + ":00";
  });
  const series = SERIES.map((line) => ({ ...line, label: t("stats.series_" + line.key), values: trend.map((point) => point[line.field]) }));
  lineChart($("#trend-chart"), labels, series);
  fill($("#trend-legend"), series.map((line) => {
    const swatch = h("span", { class: "swatch" });
    swatch.style.background = line.color;
    return h("span", { class: "legend-item" }, swatch, line.label);
  }));
}

function renderShare(models) {
  const total = models.reduce((sum, model) => sum + model.requests, 0);
  const colors = donutChart($("#share-chart"), models.map((model) => ({ label: modelLabel(model.model), value: model.requests })), fmtNumber(total), t("stats.requests"));
  if (models.length === 0) {
    fill($("#share-legend"), h("li", { class: "muted" }, t("stats.no_models")));
    return;
  }
  fill($("#share-legend"), models.map((model, index) => {
    const swatch = h("span", { class: "swatch" });
    swatch.style.background = colors[index] || PALETTE[0];
    return h("li", {}, swatch, modelName(model.model, "legend-name"), h("span", { class: "muted" }, ((model.requests / total) * 100).toFixed(1) + "%"));
  }));
}

function renderRecent(models) {
  if (models.length === 0) {
    fill($("#recent-models"), h("li", { class: "muted empty-item" }, t("stats.no_models")));
    return;
  }
  fill($("#recent-models"), models.map((model, index) => h("li", { class: "podium-item rank-" + (index + 1) },
    h("span", { class: "podium-rank" }, String(index + 1)),
    h("div", { class: "podium-body" }, h("div", { class: "strong" }, modelName(model.model, "model-name")),
      h("div", { class: "muted small" }, t("stats.recent_line", { requests: fmtNumber(model.requests), rate: fmtPercent(model.successRate) }))))));
}

function renderTable(models) {
  if (models.length === 0) {
    fill($("#top-models-body"), h("tr", {}, h("td", { colSpan: 8, class: "empty" }, t("stats.no_models"))));
    return;
  }
  fill($("#top-models-body"), models.map((model, index) => {
    const bar = h("span", { class: "rate-fill" });
    bar.style.width = Math.max(0, Math.min(100, model.successRate)) + "%";
    return h("tr", {},
      h("td", { class: "num muted" }, String(index + 1)),
      h("td", { class: "strong" }, modelName(model.model, "model-name")),
      h("td", { class: "num" }, fmtNumber(model.requests)),
      h("td", { class: "num" }, fmtNumber(model.success)),
      h("td", { class: "num", dataset: { field: "upstream" } }, fmtNumber(model.upstreamFailures ?? 0)),
      h("td", { class: "num", dataset: { field: "client" } }, fmtNumber(model.clientErrors ?? 0)),
      h("td", { class: "num", dataset: { field: "refused" } }, fmtNumber(model.refused ?? 0)),
      h("td", {}, h("div", { class: "rate" }, h("span", { class: "rate-track" }, bar), h("span", { class: "small" }, fmtPercent(model.successRate)))));
  }));
}

/**
 * The page is public and offers the built-in providers; a signed-in admin (a token in this browser, a server with
 * providers as data) gets every provider, and the statistics of the one chosen on the dashboard.
 */
async function loadProviders() {
  const before = getProvider();
  const providers = await adminProviders();
  if (!providers) return;
  setKnownProviders(providers.map((provider) => provider.name));
  drawProviderSwitch($("#provider-switch"), providers);
  if (getProvider() !== before) await load();
}

initChrome();
bindProviderSwitch($("#provider-switch"), load);
document.addEventListener("langchange", () => last && render(last));
load();
loadProviders();
setInterval(() => {
  if (!document.hidden) load();
}, REFRESH_MS);
