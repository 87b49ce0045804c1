// Dashboard: the keys tab. Server-side pagination, filter and search; selection survives refreshes.
import {
  $, ApiError, api, copyText, fill, fmtDuration, fmtNumber, fmtPercent, fmtRelative, getProvider, h, t, toast, withQuery,
} from "./common.js";
import { chooseDisableDuration, confirmDialog } from "./dialogs.js";
import { editPlacement, placementButton, wholeNumber } from "./dash-placement.js";
import { followJob, jobCounters, progressView } from "./jobs.js";

const STATUSES = ["active", "cooling", "disabled", "invalid", "expired"];
const TTLS = [0, 3600, 86400, 7 * 86400, 30 * 86400, 90 * 86400];
const DONE = { enable: "toast.enabled", disable: "toast.disabled", delete: "toast.deleted", verify: "toast.verified" };

export function ttlOptions() {
  return TTLS.map((seconds) => h("option", { value: String(seconds) }, seconds === 0 ? t("ttl.never") : t("ttl." + seconds)));
}

export function createKeysPanel(ctx) {
  const state = { page: 1, pageSize: 25, status: "", search: "", selected: new Set(), keys: [], totalPages: 1 };
  const body = $("#keys-body");
  const bulkBar = $("#bulk-bar");
  const jobHost = $("#keys-job");

  // ---- loading -------------------------------------------------------------------------------------------

  async function load() {
    const data = await api(withQuery("/admin/api-keys", {
      provider: getProvider(), page: state.page, pageSize: state.pageSize, status: state.status, search: state.search,
    }));
    if (data.page > data.total_pages && data.total > 0) {
      state.page = data.total_pages;
      return load();
    }
    state.keys = data.keys;
    state.totalPages = data.total_pages;
    renderStatusFilter(data.counts);
    renderRows();
    fill($("#keys-page-info"), t("keys.page_info", { page: data.page, pages: data.total_pages, total: fmtNumber(data.total) }));
    $("#keys-prev").disabled = data.page <= 1;
    $("#keys-next").disabled = data.page >= data.total_pages;
    renderBulkBar();
  }

  function renderStatusFilter(counts) {
    const select = $("#keys-status");
    const current = state.status;
    fill(select, h("option", { value: "" }, t("keys.filter_all") + " (" + fmtNumber(counts.total) + ")"),
      STATUSES.map((status) => h("option", { value: status }, t("status." + status) + " (" + fmtNumber(counts[status] || 0) + ")")));
    select.value = current;
  }

  // ---- rows ------------------------------------------------------------------------------------------------

  function renderRows() {
    if (state.keys.length === 0) {
      fill(body, h("tr", {}, h("td", { colSpan: 11, class: "empty" }, state.search || state.status ? t("keys.none_match") : t("keys.none"))));
      $("#keys-select-all").checked = false;
      return;
    }
    fill(body, state.keys.map(row));
    $("#keys-select-all").checked = state.keys.every((key) => state.selected.has(key.id));
  }

  function row(key) {
    const stats = key.stats || {};
    const check = h("input", {
      type: "checkbox", class: "row-check", checked: state.selected.has(key.id), attrs: { "aria-label": t("keys.select_row") },
      on: { change: (event) => { toggle(key.id, event.target.checked); } },
    });
    return h("tr", { dataset: { id: key.id } },
      h("td", { class: "check" }, check),
      h("td", { class: "key-cell" }, keyName(key), h("div", { class: "mono muted small" }, key.id)),
      h("td", { class: "username" }, key.username || "—"),
      h("td", {}, statusBadge(key)),
      h("td", {}, modelChips(key)),
      h("td", { class: "placement-cell" }, placementButton(key, ctx.routes.has("PATCH /admin/api-keys/{id}") && (() => changePlacement(key)))),
      h("td", { class: "num" }, fmtNumber(stats.total_requests)),
      h("td", { class: "num" }, stats.total_requests ? fmtPercent(stats.success_rate) : "—"),
      h("td", { class: "num" }, stats.total_requests ? fmtNumber(Math.round(stats.avg_latency_ms)) + " ms" : "—"),
      h("td", { class: "nowrap" }, fmtRelative(stats.last_used)),
      h("td", { class: "actions" }, rowActions(key)),
    );
  }

  /** The masked key; an endpoint's base URL above it (a keyless endpoint shows its URL only). */
  function keyName(key) {
    if (!key.base_url) return h("div", { class: "mono strong" }, key.api_key);
    return [h("div", { class: "mono strong key-base-url" }, key.base_url),
      key.api_key ? h("div", { class: "mono small" }, key.api_key) : h("div", { class: "muted small" }, t("keys.no_secret"))];
  }

  async function changePlacement(key) {
    if (!(await editPlacement(key))) return;
    toast(t("toast.saved"), "success");
    await ctx.refresh();
  }

  function statusBadge(key) {
    const badge = h("span", { class: "badge status-" + key.status, title: key.status_reason || "" }, t("status." + key.status));
    if (key.status_until) {
      badge.append(" · ", h("span", { class: "countdown", dataset: { until: key.status_until } }, remaining(key.status_until)));
    } else if (key.status === "disabled") {
      badge.append(" · " + t("duration.until_enabled"));
    }
    return badge;
  }

  function remaining(until) {
    return fmtDuration((new Date(until).getTime() - Date.now()) / 1000);
  }

  function modelChips(key) {
    const chips = [];
    if (key.category) chips.push(h("span", { class: "chip category" }, key.category));
    const models = key.models || [];
    for (const model of models.slice(0, 3)) chips.push(h("span", { class: "chip" }, model));
    if (models.length > 3) chips.push(h("span", { class: "chip more", title: models.slice(3).join(", ") }, "+" + (models.length - 3)));
    return chips.length ? h("div", { class: "chips" }, chips) : h("span", { class: "muted" }, "—");
  }

  function rowActions(key) {
    const button = (label, action, cls = "") =>
      h("button", { type: "button", class: "btn small " + cls, dataset: { action }, on: { click: () => rowAction(key, action) } }, label);
    // Wrapped in a box that breaks onto a second line rather than widening the table past the screen.
    return h("div", { class: "row-actions" },
      ctx.routes.has("POST /admin/verify-key") && button(t("action.verify"), "verify"),
      button(t("action.copy_id"), "copy-id", "ghost"),
      key.status !== "active" && button(t("action.enable"), "enable"),
      key.status !== "disabled" && button(t("action.disable"), "disable"),
      button(t("action.delete"), "delete", "danger-ghost"));
  }

  async function rowAction(key, action) {
    try {
      if (action === "copy-id") {
        toast((await copyText(key.id)) ? t("toast.copied_id", { id: key.id }) : t("toast.copy_failed"), "success");
        return;
      }
      if (action === "verify") {
        const result = await api("/admin/verify-key", { method: "POST", body: { id: key.id, provider: getProvider() } });
        toast(t("keys.verified", { outcome: result.outcome, status: result.status ?? "—" }), result.valid === false ? "error" : "success");
      } else if (action === "enable") {
        await api("/admin/keys/enable", { method: "POST", body: { id: key.id, provider: getProvider() } });
        toast(t("toast.enabled", { count: 1 }), "success");
      } else if (action === "disable") {
        const duration = await chooseDisableDuration(1);
        if (duration === null) return;
        await api("/admin/keys/disable", { method: "POST", body: { id: key.id, provider: getProvider(), duration } });
        toast(t("toast.disabled", { count: 1 }), "success");
      } else if (action === "delete") {
        if (!(await confirmDialog(t("keys.delete_title"), t("keys.delete_one", { key: key.api_key }), t("action.delete")))) return;
        await api("/admin/api-keys/" + encodeURIComponent(key.id), { method: "DELETE" });
        state.selected.delete(key.id);
        toast(t("toast.deleted", { count: 1 }), "success");
      }
      await ctx.refresh();
    } catch (error) {
      toast(error.message, "error");
    }
  }

  // ---- selection and bulk actions ------------------------------------------------------------------------

  function toggle(id, on) {
    if (on) state.selected.add(id);
    else state.selected.delete(id);
    $("#keys-select-all").checked = state.keys.length > 0 && state.keys.every((key) => state.selected.has(key.id));
    renderBulkBar();
  }

  function renderBulkBar() {
    bulkBar.hidden = state.selected.size === 0;
    fill($("#bulk-count"), t("keys.selected", { count: state.selected.size }));
  }

  /** Runs a bulk action with `/admin/keys/bulk`, or key by key where this server lacks it. */
  async function bulk(action) {
    const ids = Array.from(state.selected);
    if (ids.length === 0) return;
    let duration;
    if (action === "disable") {
      duration = await chooseDisableDuration(ids.length);
      if (duration === null) return;
    }
    if (action === "delete" && !(await confirmDialog(t("keys.delete_title"), t("keys.delete_many", { count: ids.length }), t("action.delete")))) {
      return;
    }
    try {
      if (ctx.routes.has("POST /admin/keys/bulk")) {
        try {
          const result = await api("/admin/keys/bulk", { method: "POST", body: { action, ids, duration, provider: getProvider() } });
          if (action === "verify" && result.job_id) await showJob(result.job_id, "keys.verify_done");
          else toast(t(DONE[action], { count: result.changed ?? ids.length }), "success");
          finishBulk(action);
          return;
        } catch (error) {
          if (!(error instanceof ApiError) || error.status !== 404) throw error;
        }
      }
      await perKey(action, ids, duration);
      finishBulk(action);
    } catch (error) {
      toast(error.message, "error");
    }
  }

  async function perKey(action, ids, duration) {
    const provider = getProvider();
    if (action === "delete") {
      const result = await api("/admin/api-keys", { method: "DELETE", body: { ids, provider } });
      toast(t("toast.deleted", { count: result.deleted }), "success");
      return;
    }
    if (action === "verify" && !ctx.routes.has("POST /admin/verify-key")) throw new Error(t("keys.verify_unavailable"));
    const view = progressView();
    fill(jobHost, view.root);
    let done = 0;
    let failed = 0;
    for (const id of ids) {
      try {
        if (action === "verify") await api("/admin/verify-key", { method: "POST", body: { id, provider } });
        else await api("/admin/keys/" + action, { method: "POST", body: { id, provider, duration } });
      } catch (error) {
        failed += 1;
      }
      done += 1;
      view.update(done, ids.length);
    }
    fill(jobHost);
    toast(t(DONE[action], { count: done - failed }), failed ? "error" : "success");
  }

  function finishBulk(action) {
    if (action === "delete") state.selected.clear();
    ctx.refresh();
  }

  async function showJob(id, doneKey) {
    const view = progressView();
    fill(jobHost, h("div", { class: "job-title" }, t("keys.verifying")), view.root);
    const job = await followJob(id, (snapshot) => view.update(snapshot.done, snapshot.total, jobCounters(snapshot)));
    fill(jobHost);
    if (job.state === "failed") throw new Error(job.error || t("job.failed"));
    toast(t(doneKey, { valid: job.valid, invalid: job.invalid, total: job.total }), "success");
  }

  // ---- add form -------------------------------------------------------------------------------------------

  async function addKey(event) {
    event.preventDefault();
    const form = event.target;
    const error = $("#add-key-error");
    fill(error);
    try {
      const secret = $("#add-key-secret").value.trim();
      const baseURL = $("#add-key-base-url").value.trim();
      if (!secret && !baseURL) throw new Error(t("keys.need_key_or_url"));
      await api("/admin/api-keys", {
        method: "POST",
        body: {
          apiKey: secret || undefined,
          base_url: baseURL || undefined,
          weight: wholeNumber($("#add-key-weight"), "keys.field_weight"),
          tier: wholeNumber($("#add-key-tier"), "keys.field_tier"),
          username: $("#add-key-username").value.trim() || undefined,
          ttl: Number($("#add-key-ttl").value) || undefined,
          provider: getProvider(),
        },
      });
      form.reset();
      toast(t("toast.key_added"), "success");
      await ctx.refresh();
    } catch (failure) {
      fill(error, failure.message);
    }
  }

  // ---- wiring --------------------------------------------------------------------------------------------

  let searchTimer;
  $("#keys-search").addEventListener("input", (event) => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => { state.search = event.target.value.trim(); state.page = 1; load().catch(report); }, 300);
  });
  $("#keys-status").addEventListener("change", (event) => { state.status = event.target.value; state.page = 1; load().catch(report); });
  $("#keys-page-size").addEventListener("change", (event) => { state.pageSize = Number(event.target.value); state.page = 1; load().catch(report); });
  $("#keys-prev").addEventListener("click", () => { state.page = Math.max(1, state.page - 1); load().catch(report); });
  $("#keys-next").addEventListener("click", () => { state.page = Math.min(state.totalPages, state.page + 1); load().catch(report); });
  $("#keys-select-all").addEventListener("change", (event) => {
    for (const key of state.keys) event.target.checked ? state.selected.add(key.id) : state.selected.delete(key.id);
    renderRows();
    renderBulkBar();
  });
  for (const button of bulkBar.querySelectorAll("[data-bulk]")) button.addEventListener("click", () => bulk(button.dataset.bulk));
  bulkBar.querySelector('[data-bulk="verify"]').hidden = !ctx.routes.has("POST /admin/keys/bulk") && !ctx.routes.has("POST /admin/verify-key");
  $("#bulk-clear").addEventListener("click", () => { state.selected.clear(); renderRows(); renderBulkBar(); });
  $("#add-key-form").addEventListener("submit", addKey);
  fill($("#add-key-ttl"), ttlOptions());

  function report(error) {
    toast(error.message, "error");
  }

  /** Updates the countdowns in status badges once a second. */
  function tick() {
    for (const el of body.querySelectorAll("[data-until]")) el.textContent = remaining(el.dataset.until);
  }

  return {
    load,
    tick,
    reset() { state.page = 1; state.selected.clear(); },
    relabel() { fill($("#add-key-ttl"), ttlOptions()); renderRows(); renderBulkBar(); },
  };
}
