// Dashboard: the import tab. Paste or upload a .txt; plain import answers at once, a validated import runs as a
// job whose progress is polled; the summary lists every line that was not added and why.
import { $, api, fill, fmtNumber, getProvider, h, t, toast } from "./common.js";
import { followJob, jobCounters, progressView } from "./jobs.js";
import { ttlOptions } from "./dash-keys.js";
import { wholeNumber } from "./dash-placement.js";

const VALIDATED_ROUTE = "POST /admin/api-keys/import-with-validation";

export function createImportPanel(ctx) {
  const form = $("#import-form");
  const content = $("#import-content");
  const progressHost = $("#import-progress");
  const resultHost = $("#import-result");
  const validated = $("#import-mode-validated");
  let running = false;

  function applyAvailability() {
    const available = ctx.routes.has(VALIDATED_ROUTE);
    validated.disabled = !available;
    $("#import-validated-hint").hidden = available;
    if (!available && validated.checked) $("#import-mode-plain").checked = true;
  }

  $("#import-file").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    content.value = await file.text();
    fill($("#import-file-name"), file.name + " · " + t("import.lines", { count: fmtNumber(content.value.split("\n").filter((line) => line.trim()).length) }));
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (running) return;
    const text = content.value;
    if (!text.trim()) {
      toast(t("import.empty"), "error");
      return;
    }
    let body;
    try {
      // Weight and tier for every line that does not set its own (a JSON line may); left blank, the server's 1 and 1.
      body = {
        content: text, provider: getProvider(), ttl: Number($("#import-ttl").value) || undefined,
        weight: wholeNumber($("#import-weight"), "keys.field_weight"), tier: wholeNumber($("#import-tier"), "keys.field_tier"),
      };
    } catch (error) {
      fill(resultHost, h("div", { class: "alert error" }, error.message));
      return;
    }
    running = true;
    $("#import-submit").disabled = true;
    fill(resultHost);
    const view = progressView();
    fill(progressHost, view.root);
    try {
      if (validated.checked) {
        const started = await api("/admin/api-keys/import-with-validation", { method: "POST", body });
        view.update(0, started.total || 0);
        const job = await followJob(started.job_id, (snapshot) => view.update(snapshot.done, snapshot.total, jobCounters(snapshot)));
        if (job.state === "failed") throw new Error(job.error || t("job.failed"));
        view.update(job.total, job.total, jobCounters(job));
        showResult(job.result, true);
      } else {
        view.busy(t("import.importing"));
        const result = await api("/admin/api-keys/import-from-txt", { method: "POST", body });
        view.update(result.total, result.total);
        showResult(result, false);
      }
      await ctx.refresh();
    } catch (error) {
      fill(progressHost);
      fill(resultHost, h("div", { class: "alert error" }, error.message));
    } finally {
      running = false;
      $("#import-submit").disabled = false;
    }
  });

  function showResult(result, isValidated) {
    const figures = [
      ["import.total", result.total],
      ["import.added", result.added],
      ["import.duplicates", result.duplicates],
      ["import.invalid", result.invalid_count ?? result.invalid.length],
    ];
    if (isValidated) {
      figures.push(["import.valid", result.valid], ["import.rate_limited", result.rate_limited],
        ["import.out_of_credit", result.out_of_credit], ["import.unverified", result.unverified]);
    }
    const categories = Object.entries(result.categories || {});
    fill(resultHost,
      h("div", { class: "alert success", id: "import-summary" }, t("import.done", { added: fmtNumber(result.added), total: fmtNumber(result.total) })),
      h("div", { class: "figures" }, figures.map(([key, value]) =>
        h("div", { class: "figure", dataset: { figure: key.split(".")[1] } }, h("div", { class: "figure-value" }, fmtNumber(value || 0)), h("div", { class: "figure-label" }, t(key))))),
      categories.length > 0 && h("div", { class: "chips" }, categories.map(([name, count]) => h("span", { class: "chip category" }, name + " · " + count))),
      result.invalid_truncated && h("p", { class: "muted small" }, t("import.truncated", { shown: fmtNumber(result.invalid.length) })),
      result.invalid.length > 0 && h("div", { class: "table-wrap" },
        h("table", { class: "table", id: "import-invalid" },
          h("thead", {}, h("tr", {}, h("th", {}, t("import.line")), h("th", {}, t("import.key")), h("th", {}, t("import.reason")))),
          h("tbody", {}, result.invalid.map((problem) => h("tr", {},
            h("td", {}, problem.line),
            h("td", { class: "mono" }, problem.api_key || "—"),
            h("td", {}, problem.reason + (problem.http_status && !problem.reason.includes(String(problem.http_status)) ? " (HTTP " + problem.http_status + ")" : ""))))))),
    );
  }

  fill($("#import-ttl"), ttlOptions());
  applyAvailability();

  return {
    applyAvailability,
    relabel() { fill($("#import-ttl"), ttlOptions()); },
  };
}
