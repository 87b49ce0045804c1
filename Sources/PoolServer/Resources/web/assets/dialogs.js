// Modal dialogs built on <dialog>: confirm, choose a disable duration, show a new token once, and forms that stay
// open until the server accepts them.
import { copyText, fill, h, t, toast } from "./common.js";

/** Shows a modal and resolves with what `collect` returns on confirm, or null on cancel. */
export function modal({ id, title, body, confirmLabel, danger = false, collect = () => true, cancel = true }) {
  return new Promise((resolve) => {
    const confirm = h("button", { type: "submit", class: "btn " + (danger ? "danger" : "primary"), id: id + "-confirm" }, confirmLabel);
    const dialog = h(
      "dialog",
      { class: "modal", id },
      h(
        "form",
        { method: "dialog" },
        h("h3", {}, title),
        h("div", { class: "modal-body" }, body),
        h(
          "div",
          { class: "modal-actions" },
          cancel && h("button", { type: "button", class: "btn ghost", id: id + "-cancel", on: { click: () => dialog.close("cancel") } }, t("action.cancel")),
          confirm,
        ),
      ),
    );
    let result = null;
    dialog.querySelector("form").addEventListener("submit", (event) => {
      event.preventDefault();
      result = collect();
      dialog.close("ok");
    });
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue === "ok" ? result : null);
    });
    document.body.append(dialog);
    dialog.showModal();
    confirm.focus();
  });
}

/**
 * A modal form that stays open until `submit()` succeeds: what it throws (the API's message, or a check of the
 * form's own) is shown inside the dialog, so the user corrects the form instead of starting again. Resolves with
 * what `submit` returned (true when nothing), or null when cancelled.
 */
export function formDialog({ id, title, body, confirmLabel, submit, wide = false }) {
  return new Promise((resolve) => {
    const error = h("p", { class: "form-error", id: id + "-error", attrs: { role: "alert" } });
    const confirm = h("button", { type: "submit", class: "btn primary", id: id + "-confirm" }, confirmLabel);
    const cancel = h("button", { type: "button", class: "btn ghost", id: id + "-cancel", on: { click: () => dialog.close("cancel") } },
      t("action.cancel"));
    const form = h("form", { method: "dialog", autocomplete: "off", noValidate: true },
      h("h3", {}, title), h("div", { class: "modal-body" }, body), error, h("div", { class: "modal-actions" }, cancel, confirm));
    const dialog = h("dialog", { class: "modal" + (wide ? " wide" : ""), id }, form);
    let result = null;
    let busy = false;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (busy) return;
      busy = true;
      confirm.disabled = true;
      fill(error);
      try {
        const answer = await submit();
        result = answer === undefined ? true : answer;
        dialog.close("ok");
      } catch (failure) {
        fill(error, failure.message);
      } finally {
        busy = false;
        confirm.disabled = false;
      }
    });
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue === "ok" ? result : null);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

export function isDialogOpen() {
  return document.querySelector("dialog[open]") !== null;
}

/** Asks a yes/no question (`message`: a text, or a list of texts shown as paragraphs); resolves true when confirmed. */
export async function confirmDialog(title, message, confirmLabel, danger = true) {
  const body = (Array.isArray(message) ? message : [message]).map((text) => h("p", {}, text));
  return (await modal({ id: "confirm-dialog", title, body, confirmLabel, danger })) === true;
}

/** Durations offered when disabling keys, in seconds (0: until enabled again). */
export const DISABLE_DURATIONS = [3600, 6 * 3600, 86400, 7 * 86400, 0];

export function durationLabel(seconds) {
  return seconds === 0 ? t("duration.until_enabled") : t("duration." + seconds);
}

/** Asks for how long to disable `count` keys; resolves with seconds, or null when cancelled. */
export async function chooseDisableDuration(count) {
  const select = h(
    "select",
    { id: "disable-duration", class: "input" },
    DISABLE_DURATIONS.map((seconds) => h("option", { value: String(seconds) }, durationLabel(seconds))),
  );
  const body = [
    h("p", {}, t("keys.disable_prompt", { count })),
    h("label", { class: "field" }, h("span", {}, t("keys.disable_for")), select),
  ];
  return modal({
    id: "disable-dialog",
    title: t("keys.disable_title"),
    body,
    confirmLabel: t("action.disable"),
    collect: () => Number(select.value),
  });
}

/** Shows a newly created client token with a copy button; it is never shown again. */
export async function revealToken(name, token) {
  const field = h("input", { id: "new-token-value", class: "input mono", value: token, readOnly: true });
  const copy = h(
    "button",
    {
      type: "button",
      class: "btn",
      id: "new-token-copy",
      on: {
        click: async () => {
          field.select();
          toast((await copyText(token)) ? t("toast.copied") : t("toast.copy_failed"), "success");
        },
      },
    },
    t("action.copy"),
  );
  const body = [
    h("p", {}, t("tokens.created_for", { name })),
    h("div", { class: "copy-row" }, field, copy),
    h("p", { class: "warning" }, t("tokens.show_once")),
  ];
  await modal({ id: "token-dialog", title: t("tokens.created_title"), body, confirmLabel: t("action.done"), cancel: false });
}
