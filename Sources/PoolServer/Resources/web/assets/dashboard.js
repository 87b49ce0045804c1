// Dashboard bootstrap: login check, provider switch, tabs, overview cards and the 10-second refresh.
import {
  $, $$, BUILT_IN_PROVIDERS, api, bindProviderSwitch, clearAdminToken, drawProviderSwitch, fill, fmtNumber, fmtPercent, fmtTime,
  getAdminToken, getProvider, h, initChrome, serverRoutes, setKnownProviders, t, toast, withQuery,
} from "./common.js";
import { isDialogOpen } from "./dialogs.js";
import { createKeysPanel } from "./dash-keys.js";
import { createTokensPanel } from "./dash-tokens.js";
import { createImportPanel } from "./dash-import.js";
import { createRequestsPanel } from "./dash-requests.js";
import { createUsagePanel } from "./dash-usage.js";
import { createProvidersPanel } from "./dash-providers.js";

const REFRESH_MS = 10_000;

if (!getAdminToken()) location.replace("/");
else start();

async function start() {
  initChrome();
  const ctx = { routes: await serverRoutes(), refresh, reloadProviders, providers: null };
  // A server without providers as data (its OpenAPI document lacks the route) has the two built-ins only.
  const providersAvailable = ctx.routes.has("GET /admin/providers");
  $('[data-tab="providers"]').hidden = !providersAvailable;
  let providerSignature = "";
  let panelsReady = false; // the first load comes before the panels exist: they draw their lists themselves
  try {
    await reloadProviders();
  } catch (error) {
    toast(error.message, "error");
  }
  const keys = createKeysPanel(ctx);
  const tokens = createTokensPanel(ctx);
  const imports = createImportPanel(ctx);
  const requests = createRequestsPanel(ctx);
  const usage = createUsagePanel(ctx);
  const providers = providersAvailable ? createProvidersPanel(ctx) : null;
  panelsReady = true;
  let tab = sessionStorage.getItem("pool.tab") || "keys";
  const tabButton = $(`[data-tab="${CSS.escape(tab)}"]`);
  if (!tabButton || tabButton.hidden) tab = "keys";
  let refreshing = null;
  let followUp = null;

  /**
   * Loads the provider list (`ctx.providers`) and, when its names or their enabled flags changed, draws the switch
   * again and tells the lists that offer providers. The switch falls back to `ollama` when the chosen one is gone.
   */
  async function reloadProviders() {
    if (!providersAvailable) return;
    const before = getProvider();
    const data = await api("/admin/providers");
    ctx.providers = data.providers || [];
    fill($("#tab-count-providers"), fmtNumber(ctx.providers.length));
    const signature = JSON.stringify(ctx.providers.map((provider) => [provider.name, provider.enabled]));
    if (signature === providerSignature) return;
    providerSignature = signature;
    setKnownProviders(ctx.providers.map((provider) => provider.name));
    drawSwitch();
    if (panelsReady) {
      tokens.providersChanged();
      requests.providersChanged();
      if (getProvider() !== before) keys.reset();
    }
  }

  /** One button per provider in catalog order; a disabled one is marked (it serves no requests until enabled). */
  function drawSwitch() {
    const list = ctx.providers || BUILT_IN_PROVIDERS.map((name) => ({ name, enabled: true }));
    drawProviderSwitch($("#provider-switch"), list);
  }

  async function loadOverview() {
    const stats = await api(withQuery("/admin/stats", { provider: getProvider() }));
    const basis = stats.success_rate_basis ?? stats.total_requests;
    const cards = {
      "keys-total": fmtNumber(stats.keys.total),
      "keys-active": fmtNumber(stats.keys.active),
      "keys-cooling": fmtNumber(stats.keys.cooling),
      "keys-disabled": fmtNumber(stats.keys.disabled),
      tokens: fmtNumber(stats.tokens),
      "requests-today": fmtNumber(stats.requests_today),
      "success-rate": basis ? fmtPercent(stats.success_rate) : "—",
      "upstream-failures": fmtNumber(stats.upstream_failure_count ?? 0),
      "client-errors": fmtNumber(stats.client_error_count ?? 0),
      refused: fmtNumber(stats.refused_count ?? 0),
    };
    for (const [name, value] of Object.entries(cards)) fill($(`[data-card="${name}"] .card-value`), value);
    fill($('[data-card="keys-total"] .card-sub'), t("overview.invalid_expired", { invalid: fmtNumber(stats.keys.invalid), expired: fmtNumber(stats.keys.expired) }));
    fill($('[data-card="requests-today"] .card-sub'), t("overview.requests_today_sub", { total: fmtNumber(stats.total_requests) }));
    const rateCard = $('[data-card="success-rate"]');
    const unclassified = stats.unclassified_failure_count ?? 0;
    fill($(".card-sub", rateCard), t("overview.rate_basis", { success: fmtNumber(stats.success_count), basis: fmtNumber(basis) }),
      unclassified ? h("span", { class: "unclassified" }, " · " + t("overview.unclassified", { count: fmtNumber(unclassified) })) : null);
    rateCard.title = t("overview.rate_hint");
    fill($('[data-card="refused"] .card-sub'), refusalSummary(stats.refused_by_reason || {}));
    fill($("#tab-count-keys"), fmtNumber(stats.keys.total));
    fill($("#tab-count-tokens"), fmtNumber(stats.tokens));
  }

  /** The two most frequent refusal reasons, e.g. "no usable key 12 · bad client token 3". */
  function refusalSummary(byReason) {
    const top = Object.entries(byReason).filter(([, count]) => count > 0).sort((a, b) => b[1] - a[1]).slice(0, 2);
    if (top.length === 0) return t("overview.refused_sub");
    return top.map(([reason, count]) => t("reason." + reason) + " " + fmtNumber(count)).join(" · ");
  }

  /** The visible tab's reload; the periodic one leaves the request log alone unless its auto-refresh is on. */
  function loadTab(periodic) {
    if (tab === "keys") return keys.load();
    if (tab === "tokens") return tokens.load();
    if (tab === "requests") return periodic ? requests.poll() : requests.load();
    if (tab === "usage") return usage.load();
    if (tab === "providers" && providers) return providers.load();
    return null;
  }

  /**
   * Reloads the overview and the visible tab. A call while a refresh runs shares it, except that one asked for
   * by the user (a tab switch, a button) runs once more after it, so the tab shown by then is loaded too.
   */
  async function refresh({ periodic = false } = {}) {
    if (refreshing && periodic) return refreshing;
    if (refreshing) {
      followUp = followUp || refreshing.then(() => {
        followUp = null;
        return refresh();
      });
      return followUp;
    }
    refreshing = (async () => {
      try {
        if (providersAvailable) await reloadProviders();
        await Promise.all([loadOverview(), loadTab(periodic)]);
        fill($("#last-refresh"), t("dashboard.updated", { time: fmtTime() }));
        document.body.dataset.loaded = "true";
      } catch (error) {
        toast(error.message, "error");
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  function showTab(name) {
    tab = name;
    sessionStorage.setItem("pool.tab", name);
    for (const button of $$("[data-tab]")) {
      const on = button.dataset.tab === name;
      button.classList.toggle("active", on);
      button.setAttribute("aria-selected", String(on));
    }
    for (const panel of $$("[data-panel]")) panel.hidden = panel.dataset.panel !== name;
    refresh();
  }

  for (const button of $$("[data-tab]")) button.addEventListener("click", () => showTab(button.dataset.tab));
  bindProviderSwitch($("#provider-switch"), () => {
    keys.reset();
    refresh();
  });
  $("#logout").addEventListener("click", () => {
    clearAdminToken();
    location.replace("/");
  });
  $("#refresh-now").addEventListener("click", () => refresh());
  document.addEventListener("langchange", () => {
    keys.relabel();
    tokens.relabel();
    imports.relabel();
    requests.relabel();
    usage.relabel();
    if (providers) providers.relabel();
    if (ctx.providers) drawSwitch();
    refresh();
  });

  setInterval(() => {
    if (!document.hidden && !isDialogOpen()) refresh({ periodic: true });
  }, REFRESH_MS);
  setInterval(() => keys.tick(), 1000);
  showTab(tab);
}
