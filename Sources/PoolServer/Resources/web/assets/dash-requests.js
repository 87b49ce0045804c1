// Dashboard: the requests tab. The request log (`GET /admin/requests`), newest first: filters, "load more" through
// the answer's cursor, an optional auto-refresh, and a side panel with one request's attempts (and its body when the
// server logs bodies). Every value reaches the page as text; errors are shown in the panel, never thrown.
import { $, api, fill, fmtNumber, h, knownProviders, providerLabel, t, withQuery } from "./common.js";
import { attemptBadge, fmtMs, fmtStamp, resultLabel, statusCode } from "./request-format.js";

const AUTO_KEY = "pool.requests.auto";
const MAX_LIMIT = 500;

export function createRequestsPanel() {
  const state = { rows: [], cursor: null, detail: null, loaded: false, generation: 0, tokens: [] };
  const body = $("#requests-body");
  const drawer = $("#request-detail");
  const auto = $("#requests-auto");
  auto.checked = sessionStorage.getItem(AUTO_KEY) === "1";

  // ---- loading -------------------------------------------------------------------------------------------

  /** The filters as the API's query parameters; times from the local pickers are sent as ISO 8601 UTC. */
  function filters() {
    const iso = (value) => {
      const date = value ? new Date(value) : null;
      return date && !isNaN(date) ? date.toISOString() : "";
    };
    return {
      q: $("#requests-q").value.trim(), token: $("#requests-token").value, key: $("#requests-key").value.trim(),
      model: $("#requests-model").value.trim(), provider: $("#requests-provider").value,
      status: $("#requests-status").value.trim(), since: iso($("#requests-since").value), until: iso($("#requests-until").value),
    };
  }

  const pageSize = () => Number($("#requests-limit").value) || 25;

  /**
   * Loads the newest page. With `keep`, as many rows as are shown now (a refresh keeps what "load more" added).
   * A load started later wins: an older answer that arrives after it is dropped.
   */
  async function load({ keep = false } = {}) {
    const generation = ++state.generation;
    const limit = keep ? Math.min(MAX_LIMIT, Math.max(pageSize(), state.rows.length)) : pageSize();
    try {
      const [data] = await Promise.all([api(withQuery("/admin/requests", { ...filters(), limit })), loadTokens()]);
      if (generation !== state.generation) return;
      state.rows = data.requests || [];
      state.cursor = data.next_cursor || null;
      state.loaded = true;
      showError(null);
      render();
    } catch (error) {
      if (generation !== state.generation) return;
      // Rows of an earlier filter under a failed one would read as its answer: the table says it has none.
      state.rows = [];
      state.cursor = null;
      showError(error.message);
      render(t("requests.load_failed"));
    }
  }

  async function loadMore() {
    if (!state.cursor) return;
    const generation = state.generation;
    const button = $("#requests-more");
    button.disabled = true;
    try {
      const data = await api(withQuery("/admin/requests", { ...filters(), limit: pageSize(), cursor: state.cursor }));
      if (generation !== state.generation) return;
      const seen = new Set(state.rows.map((record) => record.id));
      state.rows = state.rows.concat((data.requests || []).filter((record) => !seen.has(record.id)));
      state.cursor = data.next_cursor || null;
      showError(null);
      render();
    } catch (error) {
      showError(error.message);
    } finally {
      button.disabled = false;
    }
  }

  /** The token filter's choices; a failure leaves the last list (the table's own error says enough). */
  async function loadTokens() {
    try {
      const data = await api("/admin/tokens");
      state.tokens = (data.tokens || []).slice().sort((a, b) => String(a.name).localeCompare(String(b.name)));
    } catch (error) {
      return;
    }
    renderTokenFilter();
  }

  function showError(message) {
    const box = $("#requests-error");
    box.hidden = !message;
    fill(box, message || "");
  }

  // ---- table ----------------------------------------------------------------------------------------------

  /** Draws the rows; `emptyText` says why there are none when it is not the filters (a failed load). */
  function render(emptyText) {
    if (state.rows.length === 0) {
      const filtered = Object.values(filters()).some((value) => value !== "");
      fill(body, h("tr", {}, h("td", { colSpan: 11, class: "empty" }, emptyText || (filtered ? t("requests.none_match") : t("requests.none")))));
    } else {
      fill(body, state.rows.map(row));
    }
    fill($("#requests-info"), t("requests.shown", { count: fmtNumber(state.rows.length) }) + (state.cursor ? " · " + t("requests.more_available") : ""));
    $("#requests-more").hidden = !state.cursor;
    if (state.detail) {
      const fresh = state.rows.find((record) => record.id === state.detail.id);
      if (fresh) state.detail = fresh;
      renderDetail();
    }
  }

  function row(record) {
    const attempts = record.attempts || [];
    const answering = attempts.length ? attempts[attempts.length - 1] : null;
    const tokens = record.prompt_tokens == null && record.completion_tokens == null ? null
      : [record.prompt_tokens ?? 0, record.completion_tokens ?? 0];
    return h("tr", {
      class: "request-row" + (state.detail && state.detail.id === record.id ? " selected" : ""),
      dataset: { id: record.id }, on: { click: () => openDetail(record) },
    },
    h("td", { class: "nowrap" }, h("button", { type: "button", class: "link-button", title: record.started_at || "", dataset: { action: "detail" } },
      fmtStamp(record.started_at))),
    h("td", { class: "request-status" }, statusCode(record.status), record.error ? h("span", { class: "error-dot", title: record.error }, " •") : null),
    h("td", {}, record.provider ?? "—"),
    h("td", { class: "request-model" }, record.model == null ? h("span", { class: "muted" }, "—") : h("span", { class: "model-name" }, record.model),
      record.stream ? h("span", { class: "chip stream-chip" }, t("requests.stream")) : null),
    h("td", { class: "request-token" }, record.token_name ?? record.token_id ?? h("span", { class: "muted" }, "—")),
    h("td", { class: "mono small request-key" }, answering ? answering.key_id : "—"),
    h("td", { class: "num request-attempts", title: attempts.map((attempt) => resultLabel(attempt.result)).join(" → ") },
      attempts.length > 1 ? h("span", { class: "badge status-cooling" }, String(attempts.length)) : String(attempts.length)),
    h("td", { class: "num nowrap request-duration" }, fmtMs(record.duration_ms)),
    h("td", { class: "num nowrap" }, fmtMs(record.ttfb_ms)),
    h("td", { class: "num nowrap request-tokens", title: tokens ? t("requests.tokens_hint", { prompt: tokens[0], completion: tokens[1] }) : "" },
      tokens ? fmtNumber(tokens[0]) + " / " + fmtNumber(tokens[1]) : "—"),
    h("td", { class: "request-cached" }, record.cached ? h("span", { class: "badge status-active" }, t("requests.cached")) : h("span", { class: "muted" }, "—")),
    );
  }

  // ---- detail panel ------------------------------------------------------------------------------------------

  function openDetail(record) {
    state.detail = record;
    for (const tr of body.querySelectorAll("tr.selected")) tr.classList.remove("selected");
    const tr = body.querySelector(`tr[data-id="${CSS.escape(record.id)}"]`);
    if (tr) tr.classList.add("selected");
    renderDetail();
    drawer.hidden = false;
    $("#request-detail-close").focus();
  }

  function closeDetail() {
    const id = state.detail && state.detail.id;
    state.detail = null;
    drawer.hidden = true;
    for (const tr of body.querySelectorAll("tr.selected")) tr.classList.remove("selected");
    // Back to the row it was opened from (drawn anew by a refresh meanwhile, perhaps), for keyboard users.
    const opener = id && body.querySelector(`tr[data-id="${CSS.escape(id)}"] [data-action="detail"]`);
    if (opener) opener.focus();
  }

  function renderDetail() {
    const record = state.detail;
    if (!record) return;
    const attempts = record.attempts || [];
    const item = (label, ...value) => [h("dt", {}, label), h("dd", {}, ...value)];
    const overhead = record.duration_ms == null ? null : Math.max(0, record.duration_ms - (record.upstream_ms || 0));
    fill($("#request-detail-body"),
      h("dl", { class: "detail-list" },
        item(t("requests.field_id"), h("span", { class: "mono", id: "request-detail-id" }, record.id)),
        item(t("requests.col_time"), fmtStamp(record.started_at, true)),
        item(t("requests.col_status"), statusCode(record.status)),
        item(t("requests.col_provider"), record.provider ?? "—"),
        item(t("requests.field_route"), h("span", { class: "mono" }, record.route ?? "—")),
        item(t("requests.col_model"), record.model == null ? "—" : h("span", { class: "model-name" }, record.model),
          record.model != null ? filterButton("model", record.model) : null),
        item(t("requests.field_stream"), record.stream ? t("requests.yes") : t("requests.no")),
        item(t("requests.col_token"), record.token_name ?? "—", record.token_id ? h("span", { class: "mono muted small" }, " " + record.token_id) : null,
          record.token_id ? filterButton("token", record.token_id) : null),
        item(t("requests.col_duration"), fmtMs(record.duration_ms)),
        item(t("requests.col_ttfb"), fmtMs(record.ttfb_ms)),
        item(t("requests.field_upstream"), fmtMs(record.upstream_ms)),
        item(t("requests.field_overhead"), fmtMs(overhead)),
        item(t("requests.field_prompt"), record.prompt_tokens == null ? "—" : fmtNumber(record.prompt_tokens)),
        item(t("requests.field_completion"), record.completion_tokens == null ? "—" : fmtNumber(record.completion_tokens)),
        item(t("requests.col_cached"), record.cached ? t("requests.yes") : t("requests.no")),
        record.error ? item(t("requests.field_error"), h("span", { class: "request-error", id: "request-detail-error" }, record.error)) : null),
      h("h3", {}, t("requests.attempts_title", { count: attempts.length })),
      attempts.length === 0 ? h("p", { class: "muted small" }, t("requests.no_attempts")) : h("div", { class: "table-wrap" },
        h("table", { class: "table compact", id: "request-attempts" },
          h("thead", {}, h("tr", {},
            h("th", { class: "num" }, "#"), h("th", {}, t("requests.col_key")), h("th", {}, t("requests.attempt_result")),
            h("th", { class: "num" }, t("requests.col_status")), h("th", { class: "num" }, t("requests.col_duration")))),
          // An attempt's error gets a line of its own under it: a column beside the others would be too narrow to read.
          h("tbody", {}, attempts.map((attempt, index) => [
            h("tr", { class: "attempt-row" + (attempt.error ? " has-error" : ""), dataset: { result: attempt.result } },
              h("td", { class: "num muted" }, String(index + 1)),
              h("td", { class: "nowrap" }, h("span", { class: "mono small attempt-key" }, attempt.key_id), filterButton("key", attempt.key_id)),
              h("td", {}, attemptBadge(attempt.result)),
              h("td", { class: "num" }, attempt.status == null ? "—" : statusCode(attempt.status)),
              h("td", { class: "num nowrap" }, fmtMs(attempt.duration_ms))),
            attempt.error ? h("tr", { class: "attempt-error-row" }, h("td", {}), h("td", { colSpan: 4, class: "attempt-error" }, attempt.error)) : null,
          ])))),
      typeof record.body === "string" ? [h("h3", {}, t("requests.body_title")), h("pre", { class: "body-block", id: "request-detail-request-body" }, record.body)] : null,
    );
  }

  /** A small button that filters the table by this value. */
  function filterButton(field, value) {
    return h("button", {
      type: "button", class: "btn small ghost filter-by", dataset: { filter: field }, title: t("requests.filter_by"),
      on: { click: () => applyFilter(field, value) },
    }, t("requests.filter"));
  }

  function applyFilter(field, value) {
    if (field === "token") {
      renderTokenFilter(value);
      $("#requests-token").value = value;
    } else {
      $("#requests-" + field).value = value;
    }
    load();
  }

  // ---- filters ------------------------------------------------------------------------------------------------

  /** "All tokens" and every token by name; a chosen token that is gone stays listed by its id. */
  function renderTokenFilter(extra) {
    const select = $("#requests-token");
    const current = extra ?? select.value;
    const options = state.tokens.map((token) => h("option", { value: token.id }, token.name + (token.prefix ? " · " + token.prefix : "")));
    if (current && !state.tokens.some((token) => token.id === current)) options.push(h("option", { value: current }, current));
    fill(select, h("option", { value: "" }, t("requests.all_tokens")), options);
    select.value = current;
  }

  function renderProviderFilter() {
    const select = $("#requests-provider");
    const current = select.value;
    const names = knownProviders();
    // A provider chosen here and since removed stays listed: its requests are still in the log.
    if (current && !names.includes(current)) names.push(current);
    fill(select, h("option", { value: "" }, t("requests.all_providers")),
      names.map((name) => h("option", { value: name }, providerLabel(name))));
    select.value = current;
  }

  let typing;
  const soon = () => {
    clearTimeout(typing);
    typing = setTimeout(() => load(), 350);
  };
  for (const id of ["#requests-q", "#requests-key", "#requests-model", "#requests-status"]) $(id).addEventListener("input", soon);
  for (const id of ["#requests-token", "#requests-provider", "#requests-since", "#requests-until", "#requests-limit"]) {
    $(id).addEventListener("change", () => load());
  }
  $("#requests-filters").addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(typing);
    load();
  });
  $("#requests-clear").addEventListener("click", () => {
    const limit = $("#requests-limit").value;
    $("#requests-filters").reset();
    auto.checked = sessionStorage.getItem(AUTO_KEY) === "1";
    $("#requests-limit").value = limit;
    load();
  });
  auto.addEventListener("change", () => sessionStorage.setItem(AUTO_KEY, auto.checked ? "1" : "0"));
  $("#requests-more").addEventListener("click", loadMore);
  $("#request-detail-close").addEventListener("click", closeDetail);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !drawer.hidden && !document.querySelector("dialog[open]")) closeDetail();
  });
  renderTokenFilter();
  renderProviderFilter();

  return {
    /** Loads the newest rows, keeping as many as are shown. */
    load: () => load({ keep: true }),
    /** The dashboard's periodic refresh: only with auto-refresh on (or before the first load). */
    poll: () => (state.loaded && !auto.checked ? null : load({ keep: true })),
    relabel() {
      renderTokenFilter();
      renderProviderFilter();
      if (state.loaded) render();
    },
    /** The server's provider list changed. */
    providersChanged: renderProviderFilter,
  };
}
