// Follows background jobs (`GET /admin/jobs/{id}`) and draws their progress.
import { api, fmtNumber, h, fill, t } from "./common.js";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls a job until it is no longer running; `onProgress(snapshot)` sees every snapshot. Resolves with the last. */
export async function followJob(id, onProgress, interval = 400) {
  for (;;) {
    const job = await api("/admin/jobs/" + encodeURIComponent(id));
    onProgress(job);
    if (job.state !== "running") return job;
    await sleep(interval);
  }
}

/** A progress block: bar, "done / total" and the counters a job reports. */
export function progressView() {
  const bar = h("progress", { class: "bar", max: 1, value: 0 });
  const label = h("div", { class: "progress-label" });
  const root = h("div", { class: "progress" }, bar, label);
  return {
    root,
    /** Shows `done` of `total`; `extra` is a list of [label key, value] shown after. */
    update(done, total, extra = []) {
      bar.max = Math.max(total, 1);
      bar.value = Math.min(done, bar.max);
      const parts = [t("job.progress", { done: fmtNumber(done), total: fmtNumber(total) })];
      for (const [key, value] of extra) parts.push(t(key) + " " + value);
      fill(label, parts.join(" · "));
    },
    /** An indeterminate bar, for work without progress reports. */
    busy(text) {
      bar.removeAttribute("value");
      fill(label, text);
    },
  };
}

/** The counters of a job snapshot for `progressView().update`. */
export function jobCounters(job) {
  const extra = [];
  if (job.valid) extra.push(["job.valid", fmtNumber(job.valid)]);
  if (job.invalid) extra.push(["job.invalid", fmtNumber(job.invalid)]);
  if (job.rate_per_s) extra.push(["job.rate", job.rate_per_s + "/s"]);
  return extra;
}
