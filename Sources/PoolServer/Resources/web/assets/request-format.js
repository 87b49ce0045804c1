// How the request log's values read on the dashboard: times with seconds, milliseconds, status codes and the
// outcome of each upstream attempt. Shared by the requests table and its detail panel.
import { getLang, h, t } from "./common.js";

/** The badge class for each attempt result (`RequestRecord.AttemptResult`): green served, amber retried, red failed. */
const RESULT_CLASS = {
  success: "status-active", rate_limited: "status-cooling", rejected: "status-invalid", out_of_credit: "status-invalid",
  failed: "status-invalid", cancelled: "status-expired", client_error: "status-disabled",
};

const locale = () => (getLang() === "zh" ? "zh-CN" : "en-US");

/** "Dec 6, 03:12:45" in local time (`full`: with the year and milliseconds), or "—". */
export function fmtStamp(iso, full = false) {
  const date = iso ? new Date(iso) : null;
  if (!date || isNaN(date)) return "—";
  const options = { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" };
  if (full) Object.assign(options, { year: "numeric", fractionalSecondDigits: 3, timeZoneName: "short" });
  return date.toLocaleString(locale(), options);
}

/** "0.42 ms", "12.3 ms", "245 ms", "1.25 s", or "—" when absent. */
export function fmtMs(ms) {
  if (ms === null || ms === undefined || !isFinite(ms)) return "—";
  if (ms >= 1000) return (ms / 1000).toFixed(2) + " s";
  if (ms >= 100) return Math.round(ms) + " ms";
  return (ms >= 10 ? ms.toFixed(1) : ms.toFixed(2)) + " ms";
}

/** A status code coloured by its class (the API docs' `code-2`, `code-4`, `code-5`). */
export function statusCode(status) {
  if (status === null || status === undefined) return h("span", { class: "muted" }, "—");
  return h("span", { class: "code code-" + String(status).charAt(0) }, String(status));
}

/** An attempt's result in words (a result this page does not know, as the server wrote it). */
export function resultLabel(result) {
  return Object.hasOwn(RESULT_CLASS, result) ? t("result." + result) : String(result);
}

/** An attempt's result in words, coloured like the key statuses. */
export function attemptBadge(result) {
  const cls = Object.hasOwn(RESULT_CLASS, result) ? RESULT_CLASS[result] : "";
  return h("span", { class: "badge " + cls, dataset: { result } }, resultLabel(result));
}
