// Shared by every page: translations, safe DOM building, the admin token, API calls, formatting, toasts.
// Nothing here ever parses data as HTML: text goes into the page through text nodes and textContent only.
import { STRINGS } from "./i18n.js";

// ---- language ---------------------------------------------------------------------------------------------

const LANG_KEY = "pool.lang";

export function getLang() {
  const saved = localStorage.getItem(LANG_KEY);
  if (saved === "en" || saved === "zh") return saved;
  return (navigator.language || "en").toLowerCase().startsWith("zh") ? "zh" : "en";
}

export function setLang(lang) {
  localStorage.setItem(LANG_KEY, lang);
  applyI18n();
  document.dispatchEvent(new CustomEvent("langchange"));
}

/** The string for `key` in the current language (English when missing), with `{name}` placeholders filled. */
export function t(key, vars) {
  const table = STRINGS[getLang()] || STRINGS.en;
  let text = table[key] ?? STRINGS.en[key] ?? key;
  if (vars) {
    for (const [name, value] of Object.entries(vars)) text = text.split("{" + name + "}").join(String(value));
  }
  return text;
}

/** Fills `data-i18n` (text), `data-i18n-placeholder`, `data-i18n-title` and `data-i18n-aria` under `root`. */
export function applyI18n(root = document) {
  document.documentElement.lang = getLang() === "zh" ? "zh-CN" : "en";
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll("[data-i18n-aria]")) el.setAttribute("aria-label", t(el.dataset.i18nAria));
  const title = document.querySelector("meta[name=page-title]");
  if (title) document.title = t(title.content) + " · Ollama API Pool";
}

// ---- DOM -----------------------------------------------------------------------------------------------------

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

/**
 * Builds an element. `props`: `class`, `text`, `dataset`, `on` ({event: handler}), `attrs`, or any DOM property.
 * Children are nodes or values; values become text nodes, so user data can never become markup.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") el.className = value;
    else if (name === "text") el.textContent = String(value);
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (name === "on") for (const [event, handler] of Object.entries(value)) el.addEventListener(event, handler);
    else if (name === "attrs") for (const [attr, v] of Object.entries(value)) el.setAttribute(attr, String(v));
    else el[name] = value;
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces everything inside `el` with `children`. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// ---- admin token ---------------------------------------------------------------------------------------------

const TOKEN_KEY = "pool.adminToken";

export function getAdminToken() {
  return sessionStorage.getItem(TOKEN_KEY) || localStorage.getItem(TOKEN_KEY) || "";
}

/** Keeps the token for this tab only, or also across browser restarts when `remember`. */
export function setAdminToken(token, remember) {
  clearAdminToken();
  (remember ? localStorage : sessionStorage).setItem(TOKEN_KEY, token);
}

export function clearAdminToken() {
  sessionStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(TOKEN_KEY);
}

// ---- provider -------------------------------------------------------------------------------------------------

const PROVIDER_KEY = "pool.provider";
/** The built-in providers: what the switch offers until the server's list is known, and on the public pages. */
export const BUILT_IN_PROVIDERS = ["ollama", "openrouter"];
const PROVIDER_LABELS = { ollama: "Ollama", openrouter: "OpenRouter" };
let providerNames = BUILT_IN_PROVIDERS.slice();

/** Sets the providers the switch offers (names in the server's catalog order); the saved choice must be one. */
export function setKnownProviders(names) {
  if (Array.isArray(names) && names.length > 0) providerNames = names.slice();
}

/** The providers the switch offers, in the server's catalog order (the built-ins until it is known). */
export function knownProviders() {
  return providerNames.slice();
}

/** The provider the dashboard works on: the saved choice while the server knows it, else `ollama`. */
export function getProvider() {
  const saved = localStorage.getItem(PROVIDER_KEY);
  if (providerNames.includes(saved)) return saved;
  return providerNames.includes("ollama") ? "ollama" : providerNames[0];
}

/** How a provider is named on the page: the built-ins as their services spell themselves, others as defined. */
export function providerLabel(name) {
  return PROVIDER_LABELS[name] || name;
}

/** Marks the switch's button of the current provider as pressed. */
export function markProviderSwitch(container) {
  for (const button of $$("[data-provider]", container)) {
    const on = button.dataset.provider === getProvider();
    button.classList.toggle("active", on);
    button.setAttribute("aria-pressed", String(on));
  }
}

/** Fills the switch with one button per provider (`{name, enabled}`, catalog order); a disabled one is marked. */
export function drawProviderSwitch(container, providers) {
  fill(container, providers.map((provider) => h("button", {
    type: "button", class: provider.enabled ? "" : "off", dataset: { provider: provider.name },
    title: provider.enabled ? undefined : t("providers.off_hint"),
  }, providerLabel(provider.name), !provider.enabled && h("span", { class: "off-mark" }, t("providers.off")))));
  markProviderSwitch(container);
}

/**
 * Wires a `.seg` group of `[data-provider]` buttons; `onChange(provider)` runs after a switch. The click is taken
 * on the group, so buttons drawn again later (the dashboard's list follows the server's) stay wired.
 */
export function bindProviderSwitch(container, onChange) {
  container.addEventListener("click", (event) => {
    const button = event.target.closest("[data-provider]");
    if (!button || !container.contains(button) || button.dataset.provider === getProvider()) return;
    localStorage.setItem(PROVIDER_KEY, button.dataset.provider);
    markProviderSwitch(container);
    onChange(getProvider());
  });
  markProviderSwitch(container);
}

// ---- API -----------------------------------------------------------------------------------------------------

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** Calls an admin route with the stored token; a 401 sends the user back to the login page. */
export async function api(path, { method = "GET", body, token = getAdminToken(), redirectOn401 = true } = {}) {
  const headers = { authorization: "Bearer " + token };
  if (body !== undefined) headers["content-type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    throw new ApiError(0, t("error.network"));
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (error) {
    data = null;
  }
  if (!response.ok) {
    const message = errorMessage(data) || response.statusText || "HTTP " + response.status;
    if (response.status === 401 && redirectOn401) {
      clearAdminToken();
      location.replace("/?expired=1");
    }
    throw new ApiError(response.status, message);
  }
  return data;
}

/** The message of an error answer in any of the gateway's dialects. */
export function errorMessage(data) {
  if (!data || typeof data !== "object") return "";
  if (typeof data.error === "string") return data.error;
  if (data.error && typeof data.error.message === "string") return data.error.message;
  return typeof data.message === "string" ? data.message : "";
}

/** Adds `provider` (and other parameters) to a path. */
export function withQuery(path, params) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") query.set(name, value);
  }
  const text = query.toString();
  return text ? path + "?" + text : path;
}

// ---- formatting -------------------------------------------------------------------------------------------------

const locale = () => (getLang() === "zh" ? "zh-CN" : "en-US");

export const fmtNumber = (value) => Number(value || 0).toLocaleString(locale());

export const fmtPercent = (value) => Number(value || 0).toLocaleString(locale(), { maximumFractionDigits: 1 }) + "%";

export function fmtDate(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return isNaN(date) ? "—" : date.toLocaleString(locale(), { dateStyle: "medium", timeStyle: "short" });
}

export const fmtTime = (date = new Date()) => date.toLocaleTimeString(locale());

/** "3h 12m", "45s": a span of seconds in its two largest units. */
export function fmtDuration(seconds) {
  seconds = Math.max(0, Math.round(seconds));
  const units = [["d", 86400], ["h", 3600], ["m", 60], ["s", 1]];
  const parts = [];
  for (const [unit, size] of units) {
    if (seconds >= size || (unit === "s" && parts.length === 0)) {
      parts.push(Math.floor(seconds / size) + t("unit." + unit));
      seconds %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(" ");
}

/** "5m ago", "just now", "never". */
export function fmtRelative(iso) {
  if (!iso) return t("time.never");
  const seconds = (Date.now() - new Date(iso).getTime()) / 1000;
  if (seconds < 5) return t("time.just_now");
  return t("time.ago", { span: fmtDuration(seconds) });
}

// ---- feedback ------------------------------------------------------------------------------------------------

/** A short message in the corner; `kind` is info, success or error. */
export function toast(message, kind = "info") {
  let host = $("#toasts");
  if (!host) {
    host = h("div", { id: "toasts", class: "toasts", attrs: { role: "status", "aria-live": "polite" } });
    document.body.append(host);
  }
  const item = h("div", { class: "toast " + kind }, message);
  host.append(item);
  setTimeout(() => item.classList.add("leaving"), 3800);
  setTimeout(() => item.remove(), 4200);
}

/** Copies text; falls back to selecting it in a hidden field when the clipboard API is refused. */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch (error) {
    const field = h("textarea", { value: text, class: "offscreen", attrs: { readonly: "" } });
    document.body.append(field);
    field.select();
    let done = false;
    try {
      done = document.execCommand("copy");
    } catch (ignored) {
      done = false;
    }
    field.remove();
    return done;
  }
}

/** Language toggle and common header behaviour. */
export function initChrome() {
  applyI18n();
  const toggle = $("#lang-toggle");
  if (toggle) toggle.addEventListener("click", () => setLang(getLang() === "zh" ? "en" : "zh"));
}

/**
 * Every provider the gateway knows (`GET /admin/providers`), for the public pages when an admin is signed in in this
 * browser; null without a token, on a server without providers as data, or with a token from an earlier session.
 */
export async function adminProviders() {
  if (!getAdminToken() || !(await serverRoutes()).has("GET /admin/providers")) return null;
  try {
    return (await api("/admin/providers", { redirectOn401: false })).providers || [];
  } catch (error) {
    return null;
  }
}

/** Routes the server's OpenAPI document lists, as "METHOD /path", to tell which features this server has. */
export async function serverRoutes() {
  try {
    const response = await fetch("/openapi.json");
    const spec = await response.json();
    const routes = new Set();
    for (const [path, item] of Object.entries(spec.paths || {})) {
      for (const method of Object.keys(item)) routes.add(method.toUpperCase() + " " + path);
    }
    return routes;
  } catch (error) {
    return new Set();
  }
}
