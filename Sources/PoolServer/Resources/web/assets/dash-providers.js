// Dashboard: the providers tab. Every provider the gateway knows (`GET /admin/providers`: the built-ins, those of
// PROVIDERS_FILE, those added here), a form to add one, an edit dialog (PATCH; a built-in's fixed fields read-only,
// a file's provider read-only altogether) and delete, which explains a provider that still has keys and offers to
// delete them with it. The API's refusals are shown where the user acted: in the form, the dialog, or the table.
import { $, ApiError, api, fill, fmtNumber, h, t, toast } from "./common.js";
import { confirmDialog, formDialog } from "./dialogs.js";
import { providerForm } from "./provider-form.js";

export function createProvidersPanel(ctx) {
  const body = $("#providers-body");
  const tableError = $("#providers-error");
  let addForm = providerForm({}, { prefix: "add-provider" });
  fill($("#add-provider-fields"), addForm.root);

  /** Draws the table from the list the dashboard loaded (`ctx.providers`). */
  function render() {
    const providers = ctx.providers || [];
    $("#providers-file-note").hidden = !providers.some((provider) => provider.source === "file");
    if (providers.length === 0) {
      fill(body, h("tr", {}, h("td", { colSpan: 9, class: "empty" }, t("providers.none"))));
      return;
    }
    fill(body, providers.map(row));
  }

  function row(provider) {
    const keys = provider.keys || {};
    return h("tr", { dataset: { name: provider.name, source: provider.source } },
      h("td", {}, h("div", { class: "strong provider-name" }, provider.name)),
      h("td", {}, h("span", { class: "badge source-" + provider.source }, sourceLabel(provider.source))),
      h("td", { class: "provider-url" }, h("div", { class: "mono" }, provider.base_url),
        provider.openai_path && provider.openai_path !== "/v1" && h("div", { class: "mono muted small" }, "OpenAI: " + provider.openai_path)),
      h("td", {}, h("div", { class: "chips" }, (provider.dialects || []).map((dialect) => h("span", { class: "chip" }, dialect)))),
      h("td", { class: "provider-probe" }, probeText(provider.probe)),
      h("td", { class: "provider-extras" }, extras(provider)),
      h("td", {}, h("span", { class: "badge provider-state " + (provider.enabled ? "status-active" : "status-disabled") },
        provider.enabled ? t("providers.enabled") : t("providers.disabled"))),
      h("td", { class: "num provider-keys" }, h("div", { class: "strong" }, fmtNumber(keys.total)),
        keys.total ? h("div", { class: "muted small" }, t("providers.keys_active", { active: fmtNumber(keys.active) })) : null),
      h("td", { class: "actions" }, actions(provider)));
  }

  function sourceLabel(source) {
    if (source === "built_in") return t("providers.source_built_in");
    if (source === "file") return t("providers.source_file");
    return t("providers.source_store");
  }

  function probeText(probe) {
    if (!probe) return "—";
    if (probe.kind === "chat") return [t("providers.probe_chat"), h("div", { class: "mono muted small" }, probe.model)];
    if (probe.kind === "key_info") return [t("providers.probe_key_info"), h("div", { class: "mono muted small" }, probe.path)];
    return t("providers.probe_models");
  }

  /** Headers (values as the API masks them), aliases and own timeouts, each a short line. */
  function extras(provider) {
    const lines = [];
    for (const [name, value] of Object.entries(provider.headers || {})) {
      lines.push(h("div", { class: "mono small provider-header" }, name + ": " + value));
    }
    const aliases = Object.entries(provider.aliases || {});
    for (const [from, to] of aliases.slice(0, 3)) lines.push(h("div", { class: "mono small provider-alias" }, from + " → " + to));
    if (aliases.length > 3) lines.push(h("div", { class: "muted small" }, t("providers.more_aliases", { count: aliases.length - 3 })));
    const timeouts = Object.entries(provider.timeouts || {}).filter(([, seconds]) => seconds !== null && seconds !== undefined);
    if (timeouts.length > 0) {
      lines.push(h("div", { class: "muted small" }, timeouts.map(([which, seconds]) => t("providers.timeout_" + which) + " " + seconds + " s").join(" · ")));
    }
    return lines.length ? lines : h("span", { class: "muted" }, "—");
  }

  function actions(provider) {
    if (provider.source === "file") return h("span", { class: "muted small", title: t("providers.file_note") }, t("providers.read_only"));
    const button = (label, action, cls, handler) =>
      h("button", { type: "button", class: "btn small " + cls, dataset: { action }, on: { click: handler } }, label);
    return h("div", { class: "row-actions" },
      button(t("action.edit"), "edit", "ghost", () => edit(provider)),
      provider.source === "store" && button(t("action.delete"), "delete", "danger-ghost", () => remove(provider)));
  }

  // ---- changes -------------------------------------------------------------------------------------------------

  const path = (provider) => "/admin/providers/" + encodeURIComponent(provider.name);

  async function add(event) {
    event.preventDefault();
    const error = $("#add-provider-error");
    fill(error);
    try {
      const definition = addForm.collect();
      await api("/admin/providers", { method: "POST", body: definition });
      addForm = providerForm({}, { prefix: "add-provider" });
      fill($("#add-provider-fields"), addForm.root);
      toast(t("providers.added", { name: definition.name }), "success");
      await changed();
    } catch (failure) {
      fill(error, failure.message);
    }
  }

  async function edit(provider) {
    const form = providerForm(provider, { prefix: "edit-provider", mode: "edit", builtIn: provider.source === "built_in" });
    const saved = await formDialog({
      id: "edit-provider-dialog", title: t("providers.edit_title", { name: provider.name }), body: form.root,
      confirmLabel: t("action.save"), wide: true,
      submit: async () => {
        const changes = form.collect();
        if (Object.keys(changes).length === 0) return false;
        await api(path(provider), { method: "PATCH", body: changes });
        return true;
      },
    });
    if (!saved) return;
    toast(t("toast.saved"), "success");
    await changed();
  }

  async function remove(provider) {
    fill(tableError);
    tableError.hidden = true;
    if (!(await confirmDialog(t("providers.delete_title"), t("providers.delete_confirm", { name: provider.name }), t("action.delete")))) return;
    try {
      try {
        await api(path(provider), { method: "DELETE" });
      } catch (error) {
        // 409: the provider still has keys. Say so, with the server's words, and offer to delete them with it.
        if (!(error instanceof ApiError) || error.status !== 409) throw error;
        const count = provider.keys?.total ?? 0;
        const withKeys = await confirmDialog(t("providers.delete_title"),
          [error.message, t("providers.delete_has_keys", { name: provider.name, count: fmtNumber(count) })],
          t("providers.delete_with_keys"));
        if (!withKeys) return;
        await api(path(provider) + "?delete_keys=true", { method: "DELETE" });
      }
      toast(t("providers.deleted", { name: provider.name }), "success");
      await changed();
    } catch (failure) {
      fill(tableError, failure.message);
      tableError.hidden = false;
    }
  }

  /** After a change: the provider list (the switch, the scopes, this table) and the rest of the page. */
  async function changed() {
    fill(tableError);
    tableError.hidden = true;
    await ctx.reloadProviders();
    await ctx.refresh();
  }

  $("#add-provider-form").addEventListener("submit", add);

  return {
    load: render,
    relabel() {
      addForm = providerForm(addForm.root.isConnected ? safeDraft(addForm) : {}, { prefix: "add-provider" });
      fill($("#add-provider-fields"), addForm.root);
      render();
    },
  };
}

/** What the add form holds, to draw it again in the other language; an unreadable draft starts empty. */
function safeDraft(form) {
  try {
    return form.collect();
  } catch (error) {
    return {};
  }
}
