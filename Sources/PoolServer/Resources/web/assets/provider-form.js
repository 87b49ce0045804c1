// The provider form: every field of a definition (`GET /admin/providers` shows them), to add a provider and to edit
// one. A built-in provider may change only its probe, headers, timeouts, aliases and enabled flag, so its other
// fields are shown read-only. Header values come back from the server masked: an edit sends `headers` only when
// the user touched them, and then asks for every value again rather than store a masked one.
import { $$, h, t } from "./common.js";

export const DIALECTS = ["openai", "ollama", "anthropic"];
const PROBE_KINDS = ["models", "chat", "key_info"];
const TIMEOUTS = ["connect", "first_byte", "idle"];
/** What the store may override of a built-in provider (PoolCore's `ProviderPresets.applyOverride`). */
export const BUILT_IN_EDITABLE = ["probe", "headers", "timeouts", "aliases", "enabled"];
const FIELDS = ["name", "base_url", "openai_path", "dialects", "probe", "headers", "timeouts", "aliases", "enabled"];

/**
 * Builds the form's fields for `definition` (empty to add one). `prefix` makes the element ids, `mode` is "add" or
 * "edit". Returns `{ root, collect }`: `collect()` gives the body to send (the whole definition to add; to edit,
 * only the fields that changed) or throws an Error whose message the caller shows.
 */
export function providerForm(definition = {}, { prefix = "provider", mode = "add", builtIn = false } = {}) {
  const id = (name) => prefix + "-" + name;
  const fixed = (field) => (mode === "edit" && field === "name") || (builtIn && !BUILT_IN_EDITABLE.includes(field));

  const input = (field, value, { mono = false, placeholder } = {}) => h("input", {
    id: id(field), class: "input" + (mono ? " mono" : ""), value: value ?? "", readOnly: fixed(field),
    placeholder: placeholder || undefined, attrs: { spellcheck: "false" },
  });
  const field = (label, control, wide = false) => h("label", { class: "field" + (wide ? " wide" : "") }, h("span", {}, label), control);

  const name = input("name", definition.name, { mono: true, placeholder: t("providers.name_placeholder") });
  const baseURL = input("base_url", definition.base_url, { mono: true, placeholder: "http(s)://host[:port]" });
  const openAIPath = input("openai_path", definition.openai_path ?? "/v1", { mono: true, placeholder: "/v1" });

  const dialectBoxes = DIALECTS.map((dialect) => h("input", {
    type: "checkbox", id: id("dialect-" + dialect), value: dialect, disabled: fixed("dialects"),
    checked: (definition.dialects ?? ["openai"]).includes(dialect),
  }));
  const dialects = h("div", { class: "check-row", id: id("dialects") },
    dialectBoxes.map((box) => h("label", { class: "check-label" }, box, h("span", {}, box.value))));

  const probe = definition.probe ?? { kind: "models" };
  const probeKind = h("select", { id: id("probe-kind"), class: "input" },
    PROBE_KINDS.map((kind) => h("option", { value: kind }, t("providers.probe_" + kind))));
  probeKind.value = probe.kind;
  const probeModel = input("probe-model", probe.model, { mono: true, placeholder: t("providers.probe_model_placeholder") });
  const probePath = input("probe-path", probe.path ?? "/v1/key", { mono: true, placeholder: "/v1/key" });
  const probeModelField = field(t("providers.probe_model"), probeModel);
  const probePathField = field(t("providers.probe_path"), probePath);
  const showProbeFields = () => {
    probeModelField.hidden = probeKind.value !== "chat";
    probePathField.hidden = probeKind.value !== "key_info";
  };
  probeKind.addEventListener("change", showProbeFields);
  showProbeFields();

  const timeoutInputs = Object.fromEntries(TIMEOUTS.map((which) => [which, h("input", {
    id: id("timeout-" + which), class: "input", type: "number", min: "0", step: "any",
    value: definition.timeouts?.[which] ?? "", placeholder: t("providers.timeout_default"),
  })]));

  // Header rows: a stored header shows its name and, as a hint, its masked value; its value field starts empty.
  const headerRows = h("div", { class: "pair-rows", id: id("headers") });
  const headerRow = (headerName = "", masked = null, draft = "") => {
    const row = h("div", { class: "pair-row header-row", dataset: masked === null ? {} : { stored: headerName } },
      h("input", { class: "input mono header-name", value: headerName, placeholder: t("providers.header_name"),
        attrs: { "aria-label": t("providers.header_name"), spellcheck: "false" } }),
      h("input", { class: "input mono header-value", value: draft,
        placeholder: masked === null ? t("providers.header_value") : t("providers.header_keep", { masked }),
        attrs: { "aria-label": t("providers.header_value"), spellcheck: "false" } }),
      h("button", { type: "button", class: "btn small ghost", dataset: { remove: "header" },
        on: { click: () => { row.remove(); headersTouched = true; } } }, t("providers.remove")));
    return row;
  };
  let headersTouched = false;
  headerRows.addEventListener("input", () => { headersTouched = true; });
  // Editing, the headers are the server's (masked); adding, they are the user's own draft (a language switch).
  for (const [headerName, value] of Object.entries(definition.headers ?? {})) {
    headerRows.append(mode === "edit" ? headerRow(headerName, value) : headerRow(headerName, null, value));
  }
  const addHeader = h("button", { type: "button", class: "btn small", id: id("add-header"),
    on: { click: () => { headersTouched = true; headerRows.append(headerRow()); } } }, t("providers.add_header"));

  const aliasRows = h("div", { class: "pair-rows", id: id("aliases") });
  const aliasRow = (from = "", to = "") => {
    const row = h("div", { class: "pair-row alias-row" },
      h("input", { class: "input mono alias-from", value: from, placeholder: t("providers.alias_from"),
        attrs: { "aria-label": t("providers.alias_from"), spellcheck: "false" } }),
      h("input", { class: "input mono alias-to", value: to, placeholder: t("providers.alias_to"),
        attrs: { "aria-label": t("providers.alias_to"), spellcheck: "false" } }),
      h("button", { type: "button", class: "btn small ghost", dataset: { remove: "alias" }, on: { click: () => row.remove() } },
        t("providers.remove")));
    return row;
  };
  for (const [from, to] of Object.entries(definition.aliases ?? {})) aliasRows.append(aliasRow(from, to));
  const addAlias = h("button", { type: "button", class: "btn small", id: id("add-alias"),
    on: { click: () => aliasRows.append(aliasRow()) } }, t("providers.add_alias"));

  const enabled = h("input", { type: "checkbox", id: id("enabled"), checked: definition.enabled ?? true });

  const root = h("div", { class: "provider-form" },
    h("div", { class: "form-grid provider-grid" },
      field(t("providers.field_name"), name),
      field(t("providers.field_base_url"), baseURL, true),
      field(t("providers.field_openai_path"), openAIPath),
      h("div", { class: "field wide" }, h("span", {}, t("providers.field_dialects")), dialects),
      h("label", { class: "check-label end-label" }, enabled, h("span", {}, t("providers.field_enabled")))),
    builtIn && h("p", { class: "muted small" }, t("providers.built_in_note")),
    h("h4", {}, t("providers.section_probe")),
    h("div", { class: "form-grid provider-grid" }, field(t("providers.probe_kind"), probeKind), probeModelField, probePathField),
    h("h4", {}, t("providers.section_headers")),
    mode === "edit" && Object.keys(definition.headers ?? {}).length > 0 && h("p", { class: "muted small" }, t("providers.headers_masked_note")),
    headerRows, addHeader,
    h("h4", {}, t("providers.section_timeouts")),
    h("div", { class: "form-grid provider-grid" },
      TIMEOUTS.map((which) => field(t("providers.timeout_" + which), timeoutInputs[which]))),
    h("h4", {}, t("providers.section_aliases")),
    aliasRows, addAlias);

  /** The definition as the form now says, `headers` left out unless `withHeaders`. */
  function current(withHeaders) {
    const value = {
      name: name.value.trim(),
      base_url: baseURL.value.trim(),
      openai_path: openAIPath.value.trim(),
      dialects: dialectBoxes.filter((box) => box.checked).map((box) => box.value),
      probe: probeValue(),
      timeouts: timeoutsValue(),
      aliases: pairs($$(".alias-row", aliasRows), ".alias-from", ".alias-to"),
      enabled: enabled.checked,
    };
    if (withHeaders) value.headers = headersValue();
    return value;
  }

  function probeValue() {
    if (probeKind.value === "chat") return { kind: "chat", model: probeModel.value.trim() };
    if (probeKind.value === "key_info") return { kind: "key_info", path: probePath.value.trim() };
    return { kind: "models" };
  }

  function timeoutsValue() {
    const value = {};
    for (const which of TIMEOUTS) {
      const text = timeoutInputs[which].value.trim();
      if (text === "") continue;
      const seconds = Number(text);
      if (!Number.isFinite(seconds)) throw new Error(t("providers.timeout_invalid", { field: t("providers.timeout_" + which) }));
      value[which] = seconds;
    }
    return value;
  }

  function headersValue() {
    const value = {};
    for (const row of $$(".header-row", headerRows)) {
      const headerName = $$(".header-name", row)[0].value.trim();
      const headerValue = $$(".header-value", row)[0].value;
      if (headerName === "" && headerValue === "") continue;
      // A stored value is never sent back to us, so a kept row cannot be resent as it was: it must be typed again.
      if (row.dataset.stored !== undefined && headerValue === "") throw new Error(t("providers.header_retype", { name: headerName }));
      value[headerName] = headerValue;
    }
    return value;
  }

  const initial = current(false);

  function collect() {
    if (mode === "add") return current(true);
    const now = current(headersTouched);
    const changes = {};
    for (const key of FIELDS) {
      if (fixed(key) || !(key in now)) continue;
      if (key === "headers" || JSON.stringify(now[key]) !== JSON.stringify(initial[key])) changes[key] = now[key];
    }
    return changes;
  }

  return { root, collect };
}

/** `{from: to}` of rows with two inputs; rows with both left empty are skipped. */
function pairs(rows, fromSelector, toSelector) {
  const value = {};
  for (const row of rows) {
    const from = $$(fromSelector, row)[0].value.trim();
    const to = $$(toSelector, row)[0].value.trim();
    if (from !== "" || to !== "") value[from] = to;
  }
  return value;
}
