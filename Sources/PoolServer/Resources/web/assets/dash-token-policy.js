// Dashboard: a client token's policy (limits, quotas, model list, cache scope, note) as form fields, the edit
// dialog, and the usage bars the token list shows.
import { h, fmtNumber, t } from "./common.js";
import { modal } from "./dialogs.js";

const LIMITS = ["rpm", "tpm", "request_quota", "token_quota"];

/**
 * The policy inputs, filled from `policy`. `collect(clearing)` reads them back as API fields: an empty input is
 * left out (create: the server's defaults apply) or, with `clearing`, sent as null (edit: unlimited).
 */
export function policyFields(policy = {}, prefix = "policy") {
  const inputs = {};
  const number = (name) => (inputs[name] = h("input", {
    id: `${prefix}-${name}`, class: "input", type: "number", min: "0", step: "1", inputMode: "numeric",
    value: policy[name] ?? "", placeholder: t("policy.unlimited"),
  }));
  const select = (name, values) => (inputs[name] = h("select", { id: `${prefix}-${name}`, class: "input" },
    h("option", { value: "" }, t(`policy.${name}_default`)),
    values.map((value) => h("option", { value, selected: policy[name] === value }, t(`policy.${name}_${value}`)))));
  const fields = [
    ...LIMITS.map((name) => h("label", { class: "field" }, h("span", {}, t(`policy.${name}`)), number(name))),
    h("label", { class: "field" }, h("span", {}, t("policy.quota_period")), select("quota_period", ["day", "month", "total"])),
    h("label", { class: "field" }, h("span", {}, t("policy.cache_scope")), select("cache_scope", ["token", "shared"])),
    h("label", { class: "field wide" }, h("span", {}, t("policy.models")), inputs.models = h("input", {
      id: `${prefix}-models`, class: "input mono", value: (policy.models || []).join(", "), placeholder: t("policy.models_placeholder"),
    })),
    h("label", { class: "field wide" }, h("span", {}, t("policy.note")), inputs.note = h("input", {
      id: `${prefix}-note`, class: "input", maxLength: 1000, value: policy.note ?? "",
    })),
  ];
  function collect(clearing = false) {
    const body = {};
    const put = (name, value) => {
      if (value !== undefined) body[name] = value;
      else if (clearing) body[name] = null;
    };
    for (const name of LIMITS) put(name, inputs[name].value === "" ? undefined : Number(inputs[name].value));
    put("quota_period", inputs.quota_period.value || undefined);
    put("cache_scope", inputs.cache_scope.value || undefined);
    const models = inputs.models.value.split(",").map((model) => model.trim()).filter(Boolean);
    put("models", models.length ? models : undefined);
    put("note", inputs.note.value.trim() || undefined);
    return body;
  }
  return { fields, collect };
}

/** Asks for a token's new name and policy; resolves with the PATCH body, or null when cancelled. */
export function editTokenDialog(token) {
  const name = h("input", { id: "edit-token-name", class: "input", required: true, maxLength: 200, value: token.name });
  const policy = policyFields(token, "edit-token");
  return modal({
    id: "edit-token-dialog",
    title: t("tokens.edit_title", { name: token.name }),
    body: [
      h("div", { class: "form-grid policy-grid" }, h("label", { class: "field wide" }, h("span", {}, t("tokens.field_name")), name), policy.fields),
      h("p", { class: "muted small" }, t("policy.edit_hint")),
    ],
    confirmLabel: t("action.save"),
    collect: () => ({ name: name.value.trim(), ...policy.collect(true) }),
  });
}

/** One usage bar: `used` of `limit` with a label, or nothing when the token has no such limit. */
function bar(label, used, limit) {
  if (limit === undefined || limit === null) return null;
  const share = limit === 0 ? 1 : Math.min(1, used / limit);
  return h("div", { class: "usage-row" + (share >= 1 ? " full" : share >= 0.8 ? " high" : "") },
    h("span", { class: "usage-label" }, label),
    h("progress", { class: "usage-bar", max: 1, value: share }),
    h("span", { class: "usage-value" }, `${fmtNumber(used)} / ${fmtNumber(limit)}`));
}

/** The usage bars of a token's limits, or a note that it has none; then its model list. */
export function usageCell(token) {
  const usage = token.usage || {};
  const period = t(`policy.quota_period_${usage.period || "total"}`);
  const bars = [
    bar(t("policy.bar_rpm"), usage.minute_requests ?? 0, token.rpm),
    bar(t("policy.bar_tpm"), usage.minute_tokens ?? 0, token.tpm),
    bar(t("policy.bar_requests", { period }), usage.period_requests ?? 0, token.request_quota),
    bar(t("policy.bar_tokens", { period }), usage.period_tokens ?? 0, token.token_quota),
  ].filter(Boolean);
  return h("div", { class: "usage" },
    bars.length ? bars : h("span", { class: "muted" }, t("policy.unlimited")),
    token.models ? h("div", { class: "usage-models mono small" }, token.models.join(", ")) : null,
    token.note ? h("div", { class: "muted small" }, token.note) : null);
}
