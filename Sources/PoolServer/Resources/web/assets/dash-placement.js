// A key's placement in its provider's selection: its weight (share of the picks within its tier, 1–100) and its
// tier (1–9; tier 1 serves while any of its keys is usable). Shown in the key table as a button that opens an edit
// dialog (`PATCH /admin/api-keys/{id}`); the server's refusal of a value is shown in the dialog.
import { api, h, t } from "./common.js";
import { formDialog } from "./dialogs.js";

/**
 * The table cell: "×3" over "tier 2" (narrow: the table fits 1280 px), a button that edits them when `onClick` is
 * given (the server can change a placement), plain text otherwise. A server without placements: weight 1, tier 1.
 */
export function placementButton(key, onClick) {
  const parts = [h("span", { class: "placement-weight" }, t("keys.placement_weight", { weight: weightOf(key) })),
    h("span", { class: "placement-tier" }, t("keys.placement_tier", { tier: tierOf(key) }))];
  const dataset = { weight: weightOf(key), tier: tierOf(key) };
  if (!onClick) return h("span", { class: "placement", dataset }, parts);
  return h("button", {
    type: "button", class: "btn small ghost placement", dataset: { edit: "placement", ...dataset },
    title: t("keys.placement_edit"), on: { click: onClick },
  }, parts);
}

const weightOf = (key) => key.weight ?? 1;
const tierOf = (key) => key.tier ?? 1;

/** The whole number typed in `input`, undefined when blank; anything else is an error naming the field. */
export function wholeNumber(input, labelKey) {
  const text = input.value.trim();
  if (text === "") return undefined;
  const value = Number(text);
  if (!Number.isInteger(value)) throw new Error(t("keys.whole_number", { field: t(labelKey) }));
  return value;
}

/** Asks for a new weight and tier and saves them; resolves true once the server took them. */
export async function editPlacement(key) {
  const weight = h("input", { id: "placement-weight", class: "input", type: "number", min: "1", max: "100", step: "1", value: String(weightOf(key)) });
  const tier = h("input", { id: "placement-tier", class: "input", type: "number", min: "1", max: "9", step: "1", value: String(tierOf(key)) });
  const body = [
    h("p", { class: "mono small" }, key.base_url || key.api_key),
    h("div", { class: "inline-row" },
      h("label", { class: "field" }, h("span", {}, t("keys.field_weight")), weight),
      h("label", { class: "field" }, h("span", {}, t("keys.field_tier")), tier)),
    h("p", { class: "muted small" }, t("keys.placement_dialog_hint")),
  ];
  const saved = await formDialog({
    id: "placement-dialog", title: t("keys.placement_title"), body, confirmLabel: t("action.save"),
    submit: async () => {
      const changes = { weight: wholeNumber(weight, "keys.field_weight"), tier: wholeNumber(tier, "keys.field_tier") };
      await api("/admin/api-keys/" + encodeURIComponent(key.id), { method: "PATCH", body: changes });
      return true;
    },
  });
  return saved === true;
}
