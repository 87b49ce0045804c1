import Foundation
import NIOHTTP1
import PoolCore
import Testing

@testable import PoolServer

@Suite("Providers: self-hosted servers as keys, weights and tiers")
struct SelfHostedPoolTests {
    private static let chat = #"{"model":"llama3.2:1b","messages":[{"role":"user","content":"hi"}]}"#

    @Test("three keyless servers are pooled; one stopped mid-run is disabled while requests go on, and recovers")
    func threeServers() async throws {
        try await withMocks(3) { mocks in
            let file = try providersFile([
                ["name": "local", "base_url": "http://127.0.0.1:9", "dialects": ["openai", "ollama"]]
            ])
            try await withProxy({
                $0.upstream.providersFile = file
                $0.cooldown.failureThreshold = 2
            }) { gateway, _ in
                let ids = try await gateway.addKeyRecords(
                    mocks.map { testKey("local", secret: "", baseURL: $0.baseURL) })
                let token = try await gateway.createToken()
                for _ in 0..<9 {
                    let reply = try await gateway.request(
                        .POST, "/local/v1/chat/completions", token: token, body: Self.chat)
                    #expect(reply.status == 200)
                }
                #expect(mocks.map(\.received.count) == [3, 3, 3])
                #expect(
                    mocks.allSatisfy { $0.received.allSatisfy { $0.key == nil && $0.headers["authorization"] == nil } })
                let native = try await gateway.request(.POST, "/local/api/chat", token: token, body: Self.chat)
                #expect(native.status == 200)
                let deadPort = mocks[1].port
                await mocks[1].stop()
                for _ in 0..<12 {
                    let reply = try await gateway.request(
                        .POST, "/local/v1/chat/completions", token: token, body: Self.chat)
                    #expect(reply.status == 200)
                }
                #expect(gateway.status(ofKey: ids[1]) == .disabled)
                #expect(gateway.status(ofKey: ids[0]) == .active && gateway.status(ofKey: ids[2]) == .active)
                // The server returns; a recovery pass probes it on its own URL and restores it.
                let back = try await MockUpstream.start(port: deadPort)
                let configuration = gateway.gateway.configuration
                let client = UpstreamClient(settings: configuration.upstream)
                let prober = KeyProber(
                    client: client, upstream: configuration.upstream, checks: configuration.keyChecks,
                    clock: gateway.gateway.clock, providers: gateway.gateway.providers)
                let checker = KeyChecker(
                    pool: gateway.gateway.pool, store: gateway.gateway.store, clock: gateway.gateway.clock,
                    prober: prober)
                let result = try await checker.check(id: ids[1])
                try await client.http.shutdown()
                #expect(result != nil)
                #expect(gateway.status(ofKey: ids[1]) == .active)
                #expect(back.received.first?.path == "/api/tags")
                #expect(gateway.gateway.pool.view(id: ids[1])?.models == ["llama3.2:1b"])
                for _ in 0..<6 {
                    _ = try await gateway.request(.POST, "/local/v1/chat/completions", token: token, body: Self.chat)
                }
                #expect(back.received.filter { $0.path == "/v1/chat/completions" }.count >= 1)
                await back.stop()
            }
        }
    }

    @Test("weights give each key its share of 1,000 requests (±5 %)")
    func weights() async throws {
        try await withProxy { gateway, mock in
            let weights = ["sk-weight-one-0001": 1, "sk-weight-three-01": 3, "sk-weight-six-0001": 6]
            try await gateway.addKeyRecords(
                weights.map { testKey("ollama", secret: $0.key, weight: $0.value) })
            let token = try await gateway.createToken()
            for _ in 0..<1000 {
                let reply = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: Self.chat)
                #expect(reply.status == 200)
            }
            let used = mock.keysUsed
            #expect(used.count == 1000)
            for (secret, weight) in weights {
                let share = Double(used.filter { $0 == secret }.count) / 1000
                #expect(abs(share - Double(weight) / 10) <= 0.05, "\(secret): \(share)")
            }
        }
    }

    @Test("tier 2 serves only while tier 1 is exhausted; failover tries tier 1 first")
    func tiers() async throws {
        try await withProxy { gateway, mock in
            let first = ["sk-tier-one-a-0001", "sk-tier-one-b-0001"]
            let overflow = "sk-tier-two-0001"
            try await gateway.addKeyRecords(
                first.map { testKey("ollama", secret: $0, tier: 1) } + [testKey("ollama", secret: overflow, tier: 2)])
            let token = try await gateway.createToken()
            for _ in 0..<20 {
                #expect(
                    try await gateway.request(.POST, "/v1/chat/completions", token: token, body: Self.chat).status
                        == 200)
            }
            #expect(Set(mock.keysUsed) == Set(first))
            mock.reset()
            for secret in first { mock.set(.status(429, headers: ["retry-after": "600"]), forKey: secret) }
            let reply = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: Self.chat)
            #expect(reply.status == 200)
            #expect(Set(mock.keysUsed.prefix(2)) == Set(first))
            #expect(mock.keysUsed.last == overflow)
            for _ in 0..<5 {
                #expect(
                    try await gateway.request(.POST, "/v1/chat/completions", token: token, body: Self.chat).status
                        == 200)
            }
            #expect(mock.keysUsed.dropFirst(3).allSatisfy { $0 == overflow })
        }
    }
}
