import Foundation
import NIOHTTP1
import PoolCore
import Testing

@testable import PoolServer

@Suite("Providers: routes, targets, headers and aliases of configured providers")
struct ProviderRoutingTests {
    private static let chat = #"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#

    @Test("a provider from PROVIDERS_FILE serves its own routes from its own upstream, with its path and headers")
    func fileProvider() async throws {
        try await withMocks(1) { mocks in
            let acme = mocks[0]
            let file = try providersFile([
                [
                    "name": "acme", "base_url": acme.baseURL + "/root/", "openai_path": "/v1beta/openai",
                    "headers": ["X-Team": "core", "User-Agent": "pool-acme"],
                ]
            ])
            try await withProxy({ $0.upstream.providersFile = file }) { gateway, ollama in
                try await gateway.addKeyRecords([testKey("acme", secret: "sk-acme-key-0001")])
                let token = try await gateway.createToken()
                let reply = try await gateway.request(
                    .POST, "/acme/v1/chat/completions", token: token, headers: ["user-agent": "client/1"],
                    body: Self.chat)
                #expect(reply.status == 200)
                let sent = try #require(acme.received.last)
                #expect(sent.path == "/root/v1beta/openai/chat/completions")
                #expect(sent.key == "sk-acme-key-0001")
                #expect(sent.headers["x-team"] == "core")
                #expect(sent.headers["user-agent"] == "pool-acme")
                #expect(sent.body == Self.chat)
                let models = try await gateway.request(.GET, "/acme/v1/models", token: token)
                #expect(models.status == 200)
                #expect(acme.received.last?.path == "/root/v1beta/openai/models")
                #expect(ollama.received.isEmpty)
                // Only the dialects it serves: no native or Anthropic routes.
                let native = try await gateway.request(.POST, "/acme/api/chat", token: token, body: Self.chat)
                #expect(native.status == 404)
                #expect(native.json["error"] as? String != nil)
                let messages = try await gateway.request(.POST, "/acme/v1/messages", token: token, body: Self.chat)
                #expect(messages.status == 404)
                #expect(acme.received.count == 2)
                let health = try await gateway.request(.GET, "/health")
                let listed = try #require((health.json["providers"] as? [String: Any])?["acme"] as? [String: Any])
                #expect(listed["enabled"] as? Bool == true)
                #expect(listed["keys_total"] as? Int == 1)
            }
        }
    }

    @Test("a provider added while running serves at once; a disabled or unknown provider's paths are a 404")
    func addedProvider() async throws {
        try await withMocks(1) { mocks in
            let groq = mocks[0]
            try await withProxy { gateway, _ in
                let token = try await gateway.createToken()
                let before = try await gateway.request(
                    .POST, "/groq/v1/chat/completions", token: token, body: Self.chat)
                #expect(before.status == 404)
                #expect(
                    (before.json["error"] as? [String: Any])?["message"] as? String
                        == "unknown provider 'groq'; use one of ollama, openrouter")
                let definition = ProviderDefinition(
                    name: ProviderID(rawValue: "groq"), baseURL: groq.baseURL + "/openai", dialects: [.openai, .ollama])
                gateway.gateway.providers.applyStored(definition)
                try await gateway.addKeyRecords([testKey("groq", secret: "gsk-groq-key-0001")])
                let reply = try await gateway.request(.POST, "/groq/v1/chat/completions", token: token, body: Self.chat)
                #expect(reply.status == 200)
                #expect(groq.received.last?.path == "/openai/v1/chat/completions")
                let native = try await gateway.request(.GET, "/groq/api/tags", token: token)
                #expect(native.status == 200)
                #expect(groq.received.last?.path == "/openai/api/tags")
                var disabled = definition
                disabled.enabled = false
                gateway.gateway.providers.applyStored(disabled)
                let off = try await gateway.request(.POST, "/groq/v1/chat/completions", token: token, body: Self.chat)
                #expect(off.status == 404)
                #expect((off.json["error"] as? [String: Any])?["message"] as? String == "provider 'groq' is disabled")
                let unknown = try await gateway.request(.GET, "/nope/api/tags", token: token)
                #expect(unknown.status == 404)
                #expect(unknown.json["error"] as? String == "unknown provider 'nope'; use one of ollama, openrouter")
                #expect(groq.received.count == 2)
            }
        }
    }

    @Test("an alias rewrites only the body's top-level model; the request log keeps the client's name")
    func alias() async throws {
        let collector = RecordCollector()
        try await withMocks(1) { mocks in
            let acme = mocks[0]
            let file = try providersFile([
                ["name": "acme", "base_url": acme.baseURL, "aliases": ["gpt-4o-mini": "qwen3:8b"]]
            ])
            try await withProxy(observers: [collector], { $0.upstream.providersFile = file }) { gateway, _ in
                try await gateway.addKeyRecords([testKey("acme", secret: "sk-acme-alias-0001", models: ["qwen3:8b"])])
                let token = try await gateway.createToken()
                let body = """
                    { "messages" : [ {"role":"user","content":"\\"model\\": \\"gpt-4o-mini\\"","model":"gpt-4o-mini"} ],
                      "model"  :\t"gpt-4o-mini" , "metadata":{"model":"gpt-4o-mini"},"temperature": 0.50 }
                    """
                let reply = try await gateway.request(
                    .POST, "/acme/v1/chat/completions", token: token, body: body)
                #expect(reply.status == 200)
                let expected = body.replacingOccurrences(
                    of: "\"model\"  :\t\"gpt-4o-mini\"", with: "\"model\"  :\t\"qwen3:8b\"")
                #expect(acme.received.last?.body == expected)
                #expect(acme.received.last?.headers["content-length"] == String(expected.utf8.count))
                let records = try await collector.awaitRecords(1)
                #expect(records.first?.model == "gpt-4o-mini")
                #expect(records.first?.provider.rawValue == "acme")
                // A model no alias names goes as it is.
                let plain = #"{"model":"qwen3:8b","messages":[]}"#
                _ = try await gateway.request(.POST, "/acme/v1/chat/completions", token: token, body: plain)
                #expect(acme.received.last?.body == plain)
            }
        }
    }

    @Test("ROUTE_BY_MODEL sends an un-prefixed request to the provider whose keys serve its model")
    func routeByModel() async throws {
        try await withMocks(3) { mocks in
            let (deep, other, claude) = (mocks[0], mocks[1], mocks[2])
            let file = try providersFile([
                ["name": "deep", "base_url": deep.baseURL],
                ["name": "other", "base_url": other.baseURL, "aliases": ["nickname": "real-model"]],
                ["name": "claude", "base_url": claude.baseURL, "dialects": ["anthropic"]],
            ])
            try await withProxy({
                $0.upstream.providersFile = file
                $0.upstream.routeByModel = true
            }) { gateway, ollama in
                try await gateway.addKeyRecords([
                    testKey("ollama", secret: "sk-ollama-route-0001", models: ["llama3.2:1b"]),
                    testKey("deep", secret: "sk-deep-route-0001", models: ["deepseek-chat"]),
                    testKey("other", secret: "sk-other-route-0001", models: ["real-model"]),
                    testKey("claude", secret: "sk-claude-route-0001", models: ["claude-x"]),
                ])
                let token = try await gateway.createToken()
                func ask(_ model: String, _ path: String = "/v1/chat/completions") async throws -> Int {
                    try await gateway.request(
                        .POST, path, token: token, body: #"{"model":"\#(model)","messages":[]}"#
                    ).status
                }
                #expect(try await ask("llama3.2:1b") == 200)
                #expect(ollama.received.count == 1 && deep.received.isEmpty)
                #expect(try await ask("deepseek-chat") == 200)
                #expect(deep.received.count == 1 && deep.received.last?.key == "sk-deep-route-0001")
                #expect(try await ask("nickname") == 200)
                #expect(other.received.last?.body == #"{"model":"real-model","messages":[]}"#)
                #expect(try await ask("unknown-model") == 404)
                // Anthropic's route goes only to providers with the Anthropic dialect.
                #expect(try await ask("deepseek-chat", "/v1/messages") == 404)
                #expect(try await ask("claude-x", "/v1/messages") == 200)
                #expect(claude.received.map(\.path) == ["/v1/messages"])
                #expect(try await ask("claude-x") == 404)
                #expect(ollama.received.count == 1 && deep.received.count == 1 && other.received.count == 1)
            }
            try await withProxy({ $0.upstream.providersFile = file }) { gateway, _ in
                try await gateway.addKeyRecords([
                    testKey("ollama", secret: "sk-ollama-route-0002", models: ["llama3.2:1b"]),
                    testKey("deep", secret: "sk-deep-route-0002", models: ["deepseek-chat"]),
                ])
                let token = try await gateway.createToken()
                let off = try await gateway.request(
                    .POST, "/v1/chat/completions", token: token, body: #"{"model":"deepseek-chat","messages":[]}"#)
                #expect(off.status == 404)
            }
        }
    }

    @Test("a provider's own first-byte timeout applies to its requests only")
    func providerTimeout() async throws {
        try await withMocks(1) { mocks in
            let slow = mocks[0]
            var late = MockUpstream.Behavior()
            late.delay = .seconds(60)
            slow.setDefault(late)
            let file = try providersFile([
                ["name": "hasty", "base_url": slow.baseURL, "timeouts": ["first_byte": 2]]
            ])
            try await withProxy({
                $0.upstream.providersFile = file
                $0.upstream.maxRetries = 0
            }) { gateway, ollama in
                let ids = try await gateway.addKeyRecords([testKey("hasty", secret: "sk-hasty-key-0001")])
                try await gateway.addKeys(["sk-patient-key-0001"])
                let token = try await gateway.createToken()
                let started = ContinuousClock.now
                let reply = try await gateway.request(
                    .POST, "/hasty/v1/chat/completions", token: token, body: Self.chat)
                // Well before the gateway's own FIRST_BYTE_TIMEOUT (120 s) and the mock's 60 s.
                #expect(ContinuousClock.now - started < .seconds(50))
                #expect(reply.status == 502)
                #expect(gateway.gateway.pool.view(id: ids[0])?.health.consecutiveFailures == 1)
                ollama.set(.init(delay: .seconds(3)), forKey: "sk-patient-key-0001")
                let patient = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: Self.chat)
                #expect(patient.status == 200)
            }
        }
    }
}
