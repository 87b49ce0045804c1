import Foundation
import NIOHTTP1
import PoolCore
import Testing

@testable import PoolServer

@Suite("Proxy: the routes clients call besides chat (issue #17)")
struct NewRoutesTests {
    @Test("GET /v1/models/{id} is answered from the cached model list; an id it lacks is forwarded, 404 included")
    func modelLookup() async throws {
        try await withProxy { gateway, mock in
            try await gateway.addKeys(["sk-lookup-key-0001"])
            let token = try await gateway.createToken()
            let list = try await gateway.request(.GET, "/v1/models", token: token)
            #expect(list.status == 200)
            #expect(mock.received.count == 1)
            let cached = try await gateway.request(.GET, "/v1/models/llama3.2:1b", token: token)
            #expect(cached.status == 200)
            #expect(cached.header("x-pool-cache") == "hit")
            #expect(cached.json["id"] as? String == "llama3.2:1b")
            #expect(cached.json["owned_by"] as? String == "mock")
            #expect(mock.received.count == 1)
            mock.setDefault(.init(pathStatus: ["/v1/models/nope": 404]))
            let missing = try await gateway.request(.GET, "/v1/models/nope", token: token)
            #expect(missing.status == 404)
            #expect(mock.received.last?.path == "/v1/models/nope")
            #expect(mock.received.last?.key == "sk-lookup-key-0001")
            mock.setDefault(.ok)
            let other = try await gateway.request(.GET, "/v1/models/other-model", token: token)
            #expect(other.status == 200 && other.json["id"] as? String == "other-model")
            #expect(other.header("x-pool-cache") == nil)
        }
    }

    @Test("an id with a slash (OpenRouter's) reaches the provider's own models path")
    func slashedModelID() async throws {
        try await withProxy { gateway, mock in
            try await gateway.addKeys(["sk-or-lookup-0001"], provider: "openrouter")
            let token = try await gateway.createToken()
            let reply = try await gateway.request(.GET, "/openrouter/v1/models/openai/gpt-4o", token: token)
            #expect(reply.status == 200)
            #expect(mock.received.last?.path == "/api/v1/models/openai/gpt-4o")
            #expect(reply.json["id"] as? String == "openai/gpt-4o")
        }
    }

    @Test(
        "an id that would leave models/ upstream is a 404 that spends no key",
        arguments: [
            "/openrouter/v1/models/../key", "/openrouter/v1/models/a/../../key", "/v1/models/..%2Fkey",
            "/v1/models/%2e%2e/key", "/v1/models/./x", "/v1/models/a\\..\\key",
        ])
    func escapingModelID(path: String) async throws {
        try await withProxy { gateway, mock in
            try await gateway.addKeys(["sk-or-escape-0001"], provider: "openrouter")
            try await gateway.addKeys(["sk-ol-escape-0001"])
            let token = try await gateway.createToken()
            let reply = try await gateway.request(.GET, path, token: token)
            #expect(reply.status == 404)
            #expect(mock.received.isEmpty)
        }
    }

    @Test("POST /v1/messages/count_tokens is forwarded in the Anthropic dialect, the answer relayed")
    func countTokens() async throws {
        try await withProxy { gateway, mock in
            try await gateway.addKeys(["sk-count-key-0001"])
            let token = try await gateway.createToken()
            let body = #"{"model":"claude-x","messages":[{"role":"user","content":"hi"}]}"#
            let reply = try await gateway.request(.POST, "/v1/messages/count_tokens", token: token, body: body)
            #expect(reply.status == 200)
            #expect(reply.json["input_tokens"] as? Int == 12)
            #expect(mock.received.last?.path == "/v1/messages/count_tokens")
            #expect(mock.received.last?.body == body)
            let refused = try await gateway.request(.POST, "/v1/messages/count_tokens", body: body)
            #expect(refused.status == 401)
            #expect(refused.json["type"] as? String == "error")
            // OpenRouter serves only the OpenAI dialect: no such route there.
            let none = try await gateway.request(
                .POST, "/openrouter/v1/messages/count_tokens", token: token, body: body)
            #expect(none.status == 404)
        }
    }

    @Test("POST /v1/responses is forwarded whole and as a stream; usage is read from input/output tokens")
    func responses() async throws {
        let collector = RecordCollector()
        try await withProxy(observers: [collector]) { gateway, mock in
            try await gateway.addKeys(["sk-responses-0001"])
            let token = try await gateway.createToken()
            let whole = try await gateway.request(
                .POST, "/v1/responses", token: token, body: #"{"model":"llama3.2:1b","input":"hi"}"#)
            #expect(whole.status == 200)
            #expect(whole.json["object"] as? String == "response")
            #expect(mock.received.last?.path == "/v1/responses")
            let chunks = try await gateway.streamChunks(
                "/v1/responses", token: token, body: #"{"model":"llama3.2:1b","input":"hi","stream":true}"#)
            let text = chunks.joined()
            #expect(text.contains("event: response.completed"))
            let records = try await collector.awaitRecords(2)
            #expect(records.count == 2)
            #expect(records.map(\.route) == ["/v1/responses", "/v1/responses"])
            #expect(records.map(\.promptTokens) == [9, 9])
            #expect(records.map(\.completionTokens) == [4, 3])
            #expect(records.map(\.stream) == [false, true])
        }
    }

    @Test("GET / and HEAD / answer Ollama's probe with text; a browser still gets the page")
    func ollamaBanner() async throws {
        try await withGateway { gateway in
            for accept in ["application/json", "*/*"] {
                let reply = try await gateway.request(.GET, "/", headers: ["accept": accept])
                #expect(reply.status == 200)
                #expect(reply.header("content-type") == "text/plain; charset=utf-8")
                #expect(reply.body == "Ollama is running")
                let head = try await gateway.request(.HEAD, "/", headers: ["accept": accept])
                #expect(head.status == 200)
                #expect(head.header("content-type") == "text/plain; charset=utf-8")
                #expect(head.body.isEmpty)
            }
            let browser = try await gateway.request(
                .GET, "/", headers: ["accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"])
            #expect(browser.status == 200)
            #expect(browser.header("content-type") == "text/html; charset=utf-8")
            #expect(browser.body.contains("<!doctype html>"))
            let headPage = try await gateway.request(.HEAD, "/", headers: ["accept": "text/html"])
            #expect(headPage.status == 200 && headPage.header("content-type") == "text/html; charset=utf-8")
        }
    }

    @Test("GET /api/version needs no client token, as on an Ollama server; the other native routes still do")
    func versionWithoutToken() async throws {
        try await withProxy { gateway, mock in
            try await gateway.addKeys(["sk-version-key-0001"])
            let version = try await gateway.request(.GET, "/api/version")
            #expect(version.status == 200)
            #expect(version.json["version"] as? String == "0.12.0")
            #expect(mock.received.last?.path == "/api/version")
            let tags = try await gateway.request(.GET, "/api/tags")
            #expect(tags.status == 401)
            let wrong = try await gateway.request(.GET, "/api/version", token: "not-a-token")
            #expect(wrong.status == 401)
        }
    }
}
