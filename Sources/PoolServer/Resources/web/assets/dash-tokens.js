// Dashboard: the client tokens tab. Create (shown once) with a policy, list with usage bars, edit, revoke.
import { $, api, fill, fmtDate, fmtNumber, h, knownProviders, providerLabel, t, toast } from "./common.js";
import { confirmDialog, revealToken } from "./dialogs.js";
import { ttlOptions } from "./dash-keys.js";
import { editTokenDialog, policyFields, usageCell } from "./dash-token-policy.js";

export function createTokensPanel(ctx) {
  const body = $("#tokens-body");
  let tokens = [];
  let createPolicy = policyFields({}, "token-policy");

  async function load() {
    const data = await api("/admin/tokens");
    tokens = data.tokens.slice().sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
    render();
  }

  function render() {
    if (tokens.length === 0) {
      fill(body, h("tr", {}, h("td", { colSpan: 8, class: "empty" }, t("tokens.none"))));
      return;
    }
    fill(body, tokens.map((token) => h("tr", { dataset: { id: token.id } },
      h("td", { class: "strong token-name" }, token.name),
      h("td", { class: "mono" }, token.prefix),
      h("td", {}, token.provider ? h("span", { class: "chip" }, token.provider) : h("span", { class: "muted" }, t("tokens.any_provider"))),
      h("td", { class: "nowrap" }, fmtDate(token.created_at)),
      h("td", { class: "nowrap" }, token.expired
        ? h("span", { class: "badge status-expired" }, t("status.expired"))
        : token.expires_at ? fmtDate(token.expires_at) : h("span", { class: "muted" }, t("ttl.never"))),
      h("td", { class: "num" }, fmtNumber(token.request_count)),
      h("td", { class: "usage-cell" }, usageCell(token)),
      h("td", { class: "actions" },
        h("button", { type: "button", class: "btn small ghost", dataset: { action: "edit" }, on: { click: () => editToken(token) } }, t("action.edit")),
        h("button", { type: "button", class: "btn small danger-ghost", dataset: { action: "revoke" }, on: { click: () => revoke(token) } }, t("action.revoke"))),
    )));
  }

  async function revoke(token) {
    if (!(await confirmDialog(t("tokens.revoke_title"), t("tokens.revoke_confirm", { name: token.name }), t("action.revoke")))) return;
    try {
      await api("/admin/tokens/" + encodeURIComponent(token.id), { method: "DELETE" });
      toast(t("toast.revoked"), "success");
      await ctx.refresh();
    } catch (error) {
      toast(error.message, "error");
    }
  }

  async function editToken(token) {
    const changes = await editTokenDialog(token);
    if (!changes) return;
    try {
      await api("/admin/tokens/" + encodeURIComponent(token.id), { method: "PATCH", body: changes });
      toast(t("toast.saved"), "success");
      await ctx.refresh();
    } catch (error) {
      toast(error.message, "error");
    }
  }

  async function create(event) {
    event.preventDefault();
    const form = event.target;
    const error = $("#token-error");
    fill(error);
    const name = $("#token-name").value.trim();
    try {
      const created = await api("/admin/tokens", {
        method: "POST",
        body: {
          name, ttl: Number($("#token-ttl").value) || undefined, provider: $("#token-scope").value || undefined,
          ...createPolicy.collect(),
        },
      });
      form.reset();
      await revealToken(created.name, created.token);
      await ctx.refresh();
    } catch (failure) {
      fill(error, failure.message);
    }
  }

  function scopeOptions() {
    return [h("option", { value: "" }, t("tokens.any_provider")),
      knownProviders().map((name) => h("option", { value: name }, providerLabel(name)))];
  }

  /** Draws the scope list again, keeping the choice while the provider exists. */
  function renderScope() {
    const select = $("#token-scope");
    const current = select.value;
    fill(select, scopeOptions());
    if (knownProviders().includes(current)) select.value = current;
  }

  $("#token-form").addEventListener("submit", create);
  fill($("#token-ttl"), ttlOptions());
  fill($("#token-scope"), scopeOptions());
  fill($("#token-policy-fields"), createPolicy.fields);

  return {
    load,
    relabel() {
      fill($("#token-ttl"), ttlOptions());
      renderScope();
      createPolicy = policyFields(createPolicy.collect(), "token-policy");
      fill($("#token-policy-fields"), createPolicy.fields);
      render();
    },
    /** The server's provider list changed. */
    providersChanged: renderScope,
  };
}
