// The live tester on the API docs page: a real chat completion through the gateway, streamed chunk by chunk.
import { $, errorMessage, fill, h, t } from "./common.js";

let controller = null;

function base() {
  return $("#tester-provider").value;
}

function headers() {
  return { authorization: "Bearer " + $("#tester-token").value.trim(), "content-type": "application/json" };
}

function status(text, kind = "") {
  const el = $("#tester-status");
  el.className = "small " + (kind ? "status-" + kind : "muted");
  fill(el, text);
}

async function loadModels() {
  if (!$("#tester-token").value.trim()) {
    status(t("docs.tester_need_token"), "error");
    return;
  }
  status(t("docs.tester_loading_models"));
  try {
    const response = await fetch(base() + "/models", { headers: headers() });
    const data = await response.json().catch(() => null);
    if (!response.ok) throw new Error(errorMessage(data) || "HTTP " + response.status);
    const models = (data.data || []).map((model) => model.id).filter(Boolean).sort();
    fill($("#tester-model"), models.map((id) => h("option", { value: id }, id)));
    status(t("docs.tester_models_loaded", { count: models.length }), "ok");
  } catch (error) {
    status(t("docs.tester_error", { error: error.message }), "error");
  }
}

/** Reads an SSE body, calling `onEvent(data)` for every `data:` payload as soon as its event is complete. */
async function readEvents(body, onEvent) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let boundary;
    while ((boundary = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const event = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary).replace(/^\r?\n\r?\n/, "");
      const data = event.split(/\r?\n/).filter((line) => line.startsWith("data:")).map((line) => line.slice(5).trim()).join("\n");
      if (data) onEvent(data);
    }
  }
}

async function send(event) {
  event.preventDefault();
  if (controller) return;
  const model = $("#tester-model").value;
  if (!$("#tester-token").value.trim()) return status(t("docs.tester_need_token"), "error");
  if (!model) return status(t("docs.tester_need_model"), "error");
  const messages = [];
  const system = $("#tester-system").value.trim();
  if (system) messages.push({ role: "system", content: system });
  messages.push({ role: "user", content: $("#tester-message").value });
  const stream = $("#tester-stream").checked;
  const body = { model, messages, temperature: Number($("#tester-temperature").value), stream };
  if (stream) body.stream_options = { include_usage: true };

  const reply = $("#tester-reply");
  const chunks = $("#tester-chunks");
  let count = 0;
  fill(reply);
  fill(chunks);
  fill($("#tester-chunk-count"), "0");
  controller = new AbortController();
  $("#tester-send").disabled = true;
  $("#tester-stop").disabled = false;
  const started = performance.now();
  status(t("docs.tester_sending"));
  try {
    const response = await fetch(base() + "/chat/completions", { method: "POST", headers: headers(), body: JSON.stringify(body), signal: controller.signal });
    if (!response.ok) {
      const data = await response.json().catch(() => null);
      throw new Error("HTTP " + response.status + ": " + (errorMessage(data) || response.statusText));
    }
    if (stream) {
      let first = null;
      await readEvents(response.body, (data) => {
        count += 1;
        if (first === null) first = performance.now() - started;
        chunks.append(h("li", {}, data));
        fill($("#tester-chunk-count"), String(count));
        if (data === "[DONE]") return;
        try {
          const parsed = JSON.parse(data);
          if (parsed.error) throw new Error(errorMessage(parsed));
          const delta = parsed.choices && parsed.choices[0] && parsed.choices[0].delta;
          if (delta && delta.content) reply.append(delta.content);
        } catch (error) {
          if (!(error instanceof SyntaxError)) throw error;
        }
        status(t("docs.tester_streaming", { count }));
      });
      status(t("docs.tester_done_stream", { count, first: Math.round(first ?? 0), total: Math.round(performance.now() - started) }), "ok");
    } else {
      const data = await response.json();
      const message = data.choices && data.choices[0] && data.choices[0].message;
      reply.append(message ? message.content || "" : JSON.stringify(data, null, 2));
      count = 1;
      chunks.append(h("li", {}, JSON.stringify(data)));
      fill($("#tester-chunk-count"), "1");
      const usage = data.usage ? t("docs.tester_usage", { prompt: data.usage.prompt_tokens, completion: data.usage.completion_tokens }) : "";
      status(t("docs.tester_done", { total: Math.round(performance.now() - started) }) + usage, "ok");
    }
    document.body.dataset.testerDone = "true";
  } catch (error) {
    status(error.name === "AbortError" ? t("docs.tester_stopped") : t("docs.tester_error", { error: error.message }), "error");
  } finally {
    controller = null;
    $("#tester-send").disabled = false;
    $("#tester-stop").disabled = true;
  }
}

export function initTester() {
  const temperature = $("#tester-temperature");
  temperature.addEventListener("input", () => fill($("#tester-temperature-value"), temperature.value));
  $("#tester-load-models").addEventListener("click", loadModels);
  $("#tester-provider").addEventListener("change", () => {
    fill($("#tester-model"));
    if ($("#tester-token").value.trim()) loadModels();
  });
  $("#tester-token").addEventListener("change", () => {
    if ($("#tester-token").value.trim()) loadModels();
  });
  $("#tester-stop").addEventListener("click", () => controller && controller.abort());
  $("#tester-form").addEventListener("submit", send);
}
