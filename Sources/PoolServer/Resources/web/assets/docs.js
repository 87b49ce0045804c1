// API docs: code examples for this server's address, and the endpoint reference rendered from /openapi.json.
import { $, $$, adminProviders, copyText, fill, getLang, h, initChrome, providerLabel, t, toast } from "./common.js";
import { initTester } from "./tester.js";

const origin = location.origin;
const EXAMPLE_MODEL = "gpt-oss:20b";

const EXAMPLES = {
  curl: () => `# Chat completion (OpenAI-compatible)
curl ${origin}/v1/chat/completions \\
  -H "Authorization: Bearer $TOKEN" \\
  -H "Content-Type: application/json" \\
  -d '{"model":"${EXAMPLE_MODEL}","messages":[{"role":"user","content":"Hello"}],"stream":false}'

# Models of the Ollama pool (OpenRouter: /openrouter/v1/models)
curl ${origin}/v1/models -H "Authorization: Bearer $TOKEN"

# Admin: create a client token
curl ${origin}/admin/tokens -H "Authorization: Bearer $ADMIN_TOKEN" \\
  -H "Content-Type: application/json" -d '{"name":"laptop","ttl":2592000}'`,
  openai: () => `from openai import OpenAI

client = OpenAI(base_url="${origin}/v1", api_key="sk-your-client-token")
# OpenRouter pool: base_url="${origin}/openrouter/v1"

reply = client.chat.completions.create(
    model="${EXAMPLE_MODEL}",
    messages=[{"role": "user", "content": "Hello"}],
)
print(reply.choices[0].message.content)

stream = client.chat.completions.create(
    model="${EXAMPLE_MODEL}",
    messages=[{"role": "user", "content": "Count to five"}],
    stream=True,
)
for chunk in stream:
    if chunk.choices:
        print(chunk.choices[0].delta.content or "", end="", flush=True)`,
  ollama: () => `from ollama import Client

client = Client(host="${origin}", headers={"Authorization": "Bearer sk-your-client-token"})

reply = client.chat(model="${EXAMPLE_MODEL}", messages=[{"role": "user", "content": "Hello"}])
print(reply.message.content)

for part in client.chat(model="${EXAMPLE_MODEL}", messages=[{"role": "user", "content": "Count to five"}], stream=True):
    print(part.message.content, end="", flush=True)`,
};

let example = "curl";
let spec = null;

function showExample(name) {
  example = name;
  for (const button of $$("[data-example]")) button.classList.toggle("active", button.dataset.example === name);
  fill($("#example-code"), EXAMPLES[name]());
}

// ---- OpenAPI rendering -------------------------------------------------------------------------------------

/** `node[field]` in the chosen language: the document carries Chinese as `x-<field>-zh` (scripts/openapi.py). */
function loc(node, field) {
  if (!node) return "";
  return (getLang() === "zh" && node["x-" + field + "-zh"]) || node[field] || "";
}

function resolve(schema) {
  let current = schema || {};
  for (let depth = 0; current.$ref && depth < 10; depth += 1) {
    const name = current.$ref.split("/").pop();
    current = (spec.components && spec.components.schemas && spec.components.schemas[name]) || {};
  }
  return current;
}

function typeName(schema) {
  if (!schema) return "";
  if (schema.$ref) return schema.$ref.split("/").pop();
  if (schema.oneOf || schema.anyOf) return (schema.oneOf || schema.anyOf).map(typeName).join(" | ");
  const type = Array.isArray(schema.type) ? schema.type.join(" | ") : schema.type || "object";
  if (type === "array") return typeName(schema.items) + "[]";
  return schema.enum ? type + " (" + schema.enum.join(", ") + ")" : type;
}

function fieldsTable(schema) {
  const resolved = resolve(schema);
  const properties = Object.entries(resolved.properties || {});
  if (properties.length === 0) return h("p", { class: "muted small" }, typeName(schema));
  const required = new Set(resolved.required || []);
  return h("table", { class: "table compact" },
    h("thead", {}, h("tr", {}, h("th", {}, t("docs.field")), h("th", {}, t("docs.type")), h("th", {}, t("docs.description")))),
    h("tbody", {}, properties.map(([name, property]) => h("tr", {},
      h("td", { class: "mono" }, name, required.has(name) ? h("span", { class: "required" }, " *") : null),
      h("td", { class: "mono muted" }, typeName(property)),
      h("td", {}, loc(resolve(property), "description") || loc(property, "description"))))));
}

function authBadge(operation) {
  const security = operation.security ?? spec.security ?? [];
  const schemes = security.flatMap((entry) => Object.keys(entry));
  if (schemes.length === 0) return h("span", { class: "badge auth-public" }, t("docs.auth_public"));
  if (schemes.includes("adminToken")) return h("span", { class: "badge auth-admin" }, t("docs.auth_admin_badge"));
  return h("span", { class: "badge auth-client" }, t("docs.auth_client_badge"));
}

function operationView(path, method, operation) {
  const parameters = operation.parameters || [];
  const body = operation.requestBody && operation.requestBody.content && Object.values(operation.requestBody.content)[0];
  return h("details", { class: "endpoint", dataset: { method, path } },
    h("summary", {},
      h("span", { class: "method method-" + method }, method.toUpperCase()),
      h("code", { class: "mono path" }, path),
      h("span", { class: "endpoint-summary" }, loc(operation, "summary")),
      authBadge(operation)),
    h("div", { class: "endpoint-body" },
      operation.description && h("p", {}, loc(operation, "description")),
      parameters.length > 0 && [h("h4", {}, t("docs.parameters")), h("table", { class: "table compact" },
        h("thead", {}, h("tr", {}, h("th", {}, t("docs.name")), h("th", {}, t("docs.in")), h("th", {}, t("docs.type")), h("th", {}, t("docs.description")))),
        h("tbody", {}, parameters.map((parameter) => h("tr", {},
          h("td", { class: "mono" }, parameter.name, parameter.required ? h("span", { class: "required" }, " *") : null),
          h("td", { class: "muted" }, parameter.in),
          h("td", { class: "mono muted" }, typeName(parameter.schema)),
          h("td", {}, loc(parameter, "description"))))))],
      body && [h("h4", {}, t("docs.request_body")), fieldsTable(body.schema)],
      h("h4", {}, t("docs.responses")),
      h("ul", { class: "responses" }, Object.entries(operation.responses || {}).map(([code, response]) =>
        h("li", {}, h("span", { class: "code code-" + code[0] }, code), " ", loc(response, "description"))))));
}

function renderSpec() {
  const groups = new Map((spec.tags || []).map((tag) => [tag.name, { tag, operations: [] }]));
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const name = (operation.tags && operation.tags[0]) || "other";
      if (!groups.has(name)) groups.set(name, { tag: { name }, operations: [] });
      groups.get(name).operations.push(operationView(path, method, operation));
    }
  }
  const sections = [];
  const links = [];
  for (const { tag, operations } of groups.values()) {
    if (operations.length === 0) continue;
    const id = "tag-" + tag.name.toLowerCase().replace(/[^a-z0-9]+/g, "-");
    links.push(h("a", { href: "#" + id, class: "toc-sub" }, loc(tag, "name")));
    sections.push(h("section", { class: "card endpoint-group", id },
      h("h3", {}, loc(tag, "name")),
      tag.description && h("p", { class: "muted small" }, loc(tag, "description")),
      operations));
  }
  fill($("#endpoint-groups"), sections);
  fill($("#toc-tags"), links);
  document.body.dataset.loaded = "true";
}

async function loadSpec() {
  try {
    const response = await fetch("/openapi.json");
    spec = await response.json();
    renderSpec();
  } catch (error) {
    fill($("#endpoint-groups"), h("div", { class: "alert error" }, t("docs.spec_failed")));
  }
}

/**
 * A signed-in admin also sees the base URL of every other enabled provider that speaks the OpenAI dialect, and can
 * pick it in the live tester (the public page lists the built-ins).
 */
async function showProviderPools() {
  const providers = await adminProviders();
  if (!providers) return;
  const select = $("#tester-provider");
  const listed = new Set(Array.from(select.options, (option) => option.value));
  for (const provider of providers) {
    const path = provider.name === "ollama" ? "/v1" : "/" + provider.name + "/v1";
    if (!provider.enabled || !(provider.dialects || []).includes("openai") || listed.has(path)) continue;
    const label = h("span", { class: "muted small" }, t("docs.base_provider", { name: providerLabel(provider.name) }));
    document.addEventListener("langchange", () => fill(label, t("docs.base_provider", { name: providerLabel(provider.name) })));
    $(".base-urls").append(h("div", { class: "base-url", dataset: { provider: provider.name } }, label, h("code", { class: "mono" }, origin + path)));
    select.append(h("option", { value: path }, providerLabel(provider.name) + " · " + path));
  }
}

initChrome();
for (const el of $$("[data-base]")) el.textContent = origin + el.dataset.base;
for (const button of $$("[data-example]")) button.addEventListener("click", () => showExample(button.dataset.example));
$("#copy-example").addEventListener("click", async () => {
  toast((await copyText(EXAMPLES[example]())) ? t("toast.copied") : t("toast.copy_failed"), "success");
});
document.addEventListener("langchange", () => spec && renderSpec());
showExample("curl");
initTester();
loadSpec();
showProviderPools();
