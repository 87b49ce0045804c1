import Foundation
import PoolCore
import Testing

@testable import PoolServer

@Suite("Key checks: probes follow the provider's definition")
struct ProviderProbeTests {
    /// Runs `body` with a prober over a registry holding `definitions` (besides the built-ins), and shuts its
    /// client down.
    private func withProber(
        _ definitions: [ProviderDefinition], _ body: (KeyProber) async throws -> Void
    ) async throws {
        let configuration = GatewayConfiguration()
        let registry = ProviderRegistry(builtIn: configuration.builtInProviders, fromFile: definitions)
        let client = UpstreamClient(settings: configuration.upstream)
        let prober = KeyProber(
            client: client, upstream: configuration.upstream, checks: configuration.keyChecks, clock: SystemClock(),
            providers: registry)
        do {
            try await body(prober)
        } catch {
            try? await client.http.shutdown()
            throw error
        }
        try await client.http.shutdown()
    }

    @Test("chat: a 1-token completion under openai_path with the provider's headers, then its model list")
    func chatProbe() async throws {
        try await withMocks(1) { mocks in
            let mock = mocks[0]
            let acme = ProviderDefinition(
                name: ProviderID(rawValue: "acme"), baseURL: mock.baseURL + "/root", openAIPath: "/v2",
                probe: .chat(model: "tiny-model"), headers: ["X-Team": "core"])
            try await withProber([acme]) { prober in
                let report = try await prober.inspect(secret: "sk-acme-probe-0001", provider: acme.name)
                #expect(report.outcome == .valid)
                #expect(report.models == ["llama3.2:1b"])
                #expect(mock.received.map(\.path) == ["/root/v2/chat/completions", "/root/v2/models"])
                let chat = try #require(mock.received.first)
                #expect(chat.key == "sk-acme-probe-0001")
                #expect(chat.headers["x-team"] == "core")
                let body = try #require(try JSONSerialization.jsonObject(with: Data(chat.body.utf8)) as? [String: Any])
                #expect(body["model"] as? String == "tiny-model")
                #expect(body["max_tokens"] as? Int == 1)
                mock.set(.status(401), forKey: "sk-acme-probe-0002")
                let refused = try await prober.inspect(secret: "sk-acme-probe-0002", provider: acme.name)
                #expect(refused.outcome == .invalid(status: 401))
            }
        }
    }

    @Test("models: a keyless self-hosted server is asked for /api/tags at its own URL, without credentials")
    func modelsProbeAtTheKeysOwnServer() async throws {
        try await withMocks(2) { mocks in
            let (provider, server) = (mocks[0], mocks[1])
            let local = ProviderDefinition(
                name: ProviderID(rawValue: "local"), baseURL: provider.baseURL, dialects: [.openai, .ollama])
            let openAIOnly = ProviderDefinition(name: ProviderID(rawValue: "vllm"), baseURL: provider.baseURL)
            try await withProber([local, openAIOnly]) { prober in
                let report = try await prober.inspect(secret: "", provider: local.name, baseURL: server.baseURL + "/")
                #expect(report.outcome == .valid)
                #expect(report.models == ["llama3.2:1b"])
                #expect(provider.received.isEmpty)
                #expect(server.received.map(\.path) == ["/api/tags"])
                #expect(server.received.first?.headers["authorization"] == nil)
                // A provider without the Ollama dialect lists its models the OpenAI way.
                let listed = try await prober.inspect(secret: "sk-vllm-0001", provider: openAIOnly.name)
                #expect(listed.models == ["llama3.2:1b"])
                #expect(provider.received.map(\.path) == ["/v1/models"])
            }
        }
    }

    @Test("key_info: GET on the definition's path; a provider the registry does not know is an upstream error")
    func keyInfoProbe() async throws {
        try await withMocks(1) { mocks in
            let mock = mocks[0]
            let deep = ProviderDefinition(
                name: ProviderID(rawValue: "deep"), baseURL: mock.baseURL, probe: .keyInfo(path: "/user/balance"),
                headers: ["X-Client": "pool"])
            try await withProber([deep]) { prober in
                let report = try await prober.inspect(secret: "sk-deep-probe-0001", provider: deep.name)
                #expect(report.outcome == .valid)
                #expect(mock.received.map(\.path) == ["/user/balance"])
                #expect(mock.received.first?.method == "GET")
                #expect(mock.received.first?.headers["x-client"] == "pool")
                let unknown = try await prober.inspect(secret: "sk-x-0001", provider: ProviderID(rawValue: "gone"))
                #expect(unknown.outcome == .upstreamError(reason: "unknown provider 'gone'"))
            }
        }
    }
}
