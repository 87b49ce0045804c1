import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PoolCore
import PoolServer
import Testing

@Suite("Native Ollama and Anthropic routes")
struct NativeRoutesTests {
    let chat = #"{"model":"llama3.2:1b","messages":[{"role":"user","content":"hi"}]}"#

    func lines(_ body: String) -> [[String: Any]] {
        body.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
    }

    @Test("/api/chat streams NDJSON when the request does not mention stream, and usage comes from the last line")
    func streamByDefault() async throws {
        try await withProxy { gateway, mock in
            let id = try await gateway.addKeys(["native-key-00000001"])[0]
            let token = try await gateway.createToken()
            let reply = try await gateway.request(.POST, "/api/chat", token: token, body: chat)
            #expect(reply.status == 200)
            #expect(reply.header("content-type") == "application/x-ndjson")
            let objects = lines(reply.body)
            #expect(objects.count == 4)
            #expect(objects.last?["done"] as? Bool == true)
            #expect(mock.received.last?.path == "/api/chat")
            #expect(mock.received.last?.body == chat)
            try await Task.sleep(for: .milliseconds(100))
            let stats = gateway.gateway.pool.view(id: id)!.stats
            #expect(stats.promptTokens == 11 && stats.completionTokens == 3)
        }
    }

    @Test("stream:false answers one JSON object")
    func nonStream() async throws {
        try await withProxy { gateway, _ in
            try await gateway.addKeys(["native-key-00000002"])
            let token = try await gateway.createToken()
            let reply = try await gateway.request(
                .POST, "/api/generate", token: token, body: #"{"model":"m","prompt":"hi","stream":false}"#)
            #expect(reply.status == 200)
            #expect(reply.json["response"] as? String == "hello")
        }
    }

    @Test("lines split across TCP reads reach the client whole")
    func lineFraming() async throws {
        var behavior = MockUpstream.Behavior()
        behavior.splitEvents = true
        behavior.chunks = 4
        try await withProxy { gateway, mock in
            try await gateway.addKeys(["native-key-00000003"])
            mock.setDefault(behavior)
            let token = try await gateway.createToken()
            let chunks = try await gateway.streamChunks("/api/chat", token: token, body: chat)
            #expect(chunks.count >= 2)
            for chunk in chunks { #expect(chunk.hasSuffix("\n"), "a chunk ended mid-line: \(chunk)") }
            #expect(lines(chunks.joined()).count == 5)
        }
    }

    @Test("SSE events split across TCP reads reach the client whole")
    func eventFraming() async throws {
        var behavior = MockUpstream.Behavior()
        behavior.splitEvents = true
        try await withProxy { gateway, mock in
            try await gateway.addKeys(["sse-split-key-000001"])
            mock.setDefault(behavior)
            let token = try await gateway.createToken()
            let chunks = try await gateway.streamChunks("/v1/chat/completions", token: token, body: streamBody)
            for chunk in chunks { #expect(chunk.hasSuffix("\n\n"), "a chunk ended mid-event: \(chunk)") }
            #expect(chunks.joined().hasSuffix("data: [DONE]\n\n"))
        }
    }

    @Test("a native stream cut mid-way ends with an Ollama error line")
    func cutNativeStream() async throws {
        var behavior = MockUpstream.Behavior()
        behavior.chunks = 5
        behavior.cutAfter = 2
        try await withProxy { gateway, mock in
            try await gateway.addKeys(["native-key-00000004"])
            mock.setDefault(behavior)
            let token = try await gateway.createToken()
            let reply = try await gateway.request(.POST, "/api/chat", token: token, body: chat)
            let objects = lines(reply.body)
            #expect(objects.count == 3)
            #expect((objects.last?["error"] as? String)?.contains("broke off") == true)
        }
    }

    @Test("errors on native routes use Ollama's shape", arguments: ["/api/chat", "/api/tags", "/api/nothing"])
    func nativeErrors(path: String) async throws {
        try await withProxy { gateway, _ in
            let method: HTTPMethod = path == "/api/tags" ? .GET : .POST
            let reply = try await gateway.request(method, path, token: "sk-wrong", body: method == .POST ? chat : nil)
            #expect((400..<500).contains(reply.status))
            #expect(reply.json["error"] is String, "\(reply.body)")
        }
    }

    @Test("an exhausted pool on a native route is a 503 in Ollama's shape")
    func nativeExhausted() async throws {
        try await withProxy { gateway, mock in
            try await gateway.addKeys(["native-limited-key-1"])
            mock.setDefault(.status(429))
            let token = try await gateway.createToken()
            let reply = try await gateway.request(.POST, "/api/chat", token: token, body: chat)
            #expect(reply.status == 503)
            #expect((reply.json["error"] as? String)?.contains("rate-limited") == true)
        }
    }

    @Test(
        "every native endpoint reaches the upstream's native path",
        arguments: [
            ("POST", "/api/embed"), ("POST", "/api/embeddings"), ("POST", "/api/show"), ("GET", "/api/tags"),
            ("GET", "/api/version"), ("GET", "/api/ps"), ("POST", "/api/generate"),
        ])
    func nativeEndpoints(method: String, path: String) async throws {
        try await withProxy { gateway, mock in
            try await gateway.addKeys(["native-key-00000005"])
            let token = try await gateway.createToken()
            let reply = try await gateway.request(
                HTTPMethod(rawValue: method), path, token: token,
                body: method == "POST" ? #"{"model":"m","input":"x","stream":false}"# : nil)
            #expect(reply.status == 200)
            #expect(mock.received.last?.path == path)
            #expect(mock.received.last?.key == "native-key-00000005")
        }
    }

    @Test("/v1/messages relays Anthropic SSE with x-api-key auth and counts usage")
    func anthropicStream() async throws {
        try await withProxy { gateway, mock in
            let id = try await gateway.addKeys(["anthropic-key-000001"])[0]
            let token = try await gateway.createToken()
            let body = #"{"model":"m","max_tokens":16,"stream":true,"messages":[{"role":"user","content":"hi"}]}"#
            let reply = try await gateway.request(
                .POST, "/v1/messages", headers: ["x-api-key": token, "anthropic-version": "2023-06-01"], body: body)
            #expect(reply.status == 200)
            #expect(reply.body.contains("event: message_stop"))
            let seen = mock.received.last!
            #expect(seen.path == "/v1/messages")
            #expect(seen.headers["authorization"] == "Bearer anthropic-key-000001")
            #expect(seen.headers["x-api-key"] == nil)
            #expect(seen.headers["anthropic-version"] == "2023-06-01")
            try await Task.sleep(for: .milliseconds(100))
            let stats = gateway.gateway.pool.view(id: id)!.stats
            #expect(stats.promptTokens == 11 && stats.completionTokens == 3)
        }
    }

    @Test("errors on /v1/messages use Anthropic's shape")
    func anthropicErrors() async throws {
        try await withProxy { gateway, _ in
            let reply = try await gateway.request(
                .POST, "/ollama/v1/messages", headers: ["x-api-key": "sk-bad"], body: "{}")
            #expect(reply.status == 401)
            #expect(reply.json["type"] as? String == "error")
            let error = reply.json["error"] as? [String: Any]
            #expect(error?["type"] as? String == "authentication_error")
            #expect(error?["message"] is String)
        }
    }
}

@Suite("Model list cache")
struct ModelListCacheTests {
    @Test("model lists are served from the cache until it is cleared, per provider and route")
    func caching() async throws {
        try await withProxy { gateway, mock in
            try await gateway.addKeys(["cache-key-0000000001"])
            let token = try await gateway.createToken()
            for _ in 0..<3 {
                let reply = try await gateway.request(.GET, "/v1/models", token: token)
                #expect(reply.status == 200)
                #expect(reply.json["object"] as? String == "list")
            }
            _ = try await gateway.request(.GET, "/api/tags", token: token)
            _ = try await gateway.request(.GET, "/api/tags", token: token)
            #expect(mock.received.filter { $0.path == "/v1/models" }.count == 1)
            #expect(mock.received.filter { $0.path == "/api/tags" }.count == 1)
            let hit = try await gateway.request(.GET, "/v1/models", token: token)
            #expect(hit.header("x-pool-cache") == "hit")

            let stats = try await gateway.admin(.GET, "/admin/cache/stats")
            #expect((stats.json["entries"] as? [Any])?.count == 2)
            #expect(stats.json["hits"] as? Int == 4)
            let cleared = try await gateway.request(.POST, "/admin/cache/clear", token: gateway.adminToken)
            #expect(cleared.status == 200)
            #expect(cleared.json["cleared"] as? Int == 2)
            _ = try await gateway.request(.GET, "/v1/models", token: token)
            #expect(mock.received.filter { $0.path == "/v1/models" }.count == 2)
        }
    }

    @Test("a failed refresh serves the stale list")
    func staleOnFailure() async throws {
        try await withProxy({ $0.upstream.modelCacheTTL = 0.2 }) { gateway, mock in
            try await gateway.addKeys(["cache-key-0000000002"])
            let token = try await gateway.createToken()
            let first = try await gateway.request(.GET, "/v1/models", token: token)
            #expect(first.status == 200)
            try await Task.sleep(for: .milliseconds(300))
            mock.setDefault(.status(500))
            let stale = try await gateway.request(.GET, "/v1/models", token: token)
            #expect(stale.status == 200)
            #expect(stale.header("x-pool-cache") == "stale")
            #expect(stale.body == first.body)
        }
    }

    @Test("the cache never answers an anonymous caller")
    func cacheNeedsAuth() async throws {
        try await withProxy { gateway, _ in
            try await gateway.addKeys(["cache-key-0000000003"])
            let token = try await gateway.createToken()
            _ = try await gateway.request(.GET, "/v1/models", token: token)
            let anonymous = try await gateway.request(.GET, "/v1/models")
            #expect(anonymous.status == 401)
        }
    }
}
