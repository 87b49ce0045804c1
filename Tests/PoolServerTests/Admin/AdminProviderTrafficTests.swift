import Foundation
import HTTPTypes
import NIOHTTP1
import PoolCore
import PoolStore
import Testing

@testable import PoolServer

/// What the admin API's provider and placement changes do to traffic (issue #17), over real sockets: a provider
/// added through `POST /admin/providers` serves from its own mock upstream at once; a server added as a keyless
/// key is asked at its own URL without a secret; a placement change moves a key out of tier 1; a file's provider
/// belongs to the file.
@Suite("Admin API: providers and placement serving traffic")
struct AdminProviderTrafficTests {
    private static let chat = #"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}"#

    @Test("a provider and keys added through the admin API serve at once; disabling and deleting take its routes away")
    func addedThroughAPI() async throws {
        let groq = try await MockUpstream.start()
        let gpu = try await MockUpstream.start()
        do {
            try await addedThroughAPI(groq: groq, gpu: gpu)
        } catch {
            await groq.stop()
            await gpu.stop()
            throw error
        }
        await groq.stop()
        await gpu.stop()
    }

    private func addedThroughAPI(groq: MockUpstream, gpu: MockUpstream) async throws {
        do {
            try await withProxy { gateway, ollama in
                let token = try await gateway.createToken()
                let created = try await gateway.admin(
                    .POST, "/admin/providers",
                    json: [
                        "name": "groq", "base_url": groq.baseURL + "/openai", "dialects": ["openai", "ollama"],
                        "aliases": ["gpt-4o-mini": "llama-3.1-8b"], "headers": ["X-Team": "ops"],
                    ])
                #expect(created.status == 201, "\(created.body)")
                let key = try await gateway.admin(
                    .POST, "/admin/api-keys", json: ["apiKey": "gsk-groq-admin-0001", "provider": "groq"])
                #expect(key.status == 201, "\(key.body)")

                let reply = try await gateway.request(
                    .POST, "/groq/v1/chat/completions", token: token, body: Self.chat)
                #expect(reply.status == 200, "\(reply.body)")
                let sent = try #require(groq.received.last)
                #expect(sent.path == "/openai/v1/chat/completions")
                #expect(sent.key == "gsk-groq-admin-0001")
                #expect(sent.headers["x-team"] == "ops")
                #expect(sent.body == Self.chat.replacingOccurrences(of: "gpt-4o-mini", with: "llama-3.1-8b"))

                // A self-hosted server as a key of its own: asked at its URL, with no Authorization.
                let server = try await gateway.admin(
                    .POST, "/admin/api-keys?provider=groq", json: ["base_url": gpu.baseURL, "tier": 2])
                #expect(server.status == 201, "\(server.body)")
                let serverID = try #require((server.json["key"] as? [String: Any])?["id"] as? String)
                let original = try #require((key.json["key"] as? [String: Any])?["id"] as? String)
                // Tier 1 (the cloud key) serves while usable; moved to tier 3, the server's tier 2 serves.
                let moved = try await gateway.admin(.PATCH, "/admin/api-keys/\(original)", json: ["tier": 3])
                #expect(moved.status == 200, "\(moved.body)")
                let tags = try await gateway.request(.GET, "/groq/api/tags", token: token)
                #expect(tags.status == 200, "\(tags.body)")
                let asked = try #require(gpu.received.last)
                #expect(asked.path == "/api/tags")
                #expect(asked.key == nil)
                #expect(gateway.gateway.pool.view(id: serverID)?.stats.requests == 1)

                let disabled = try await gateway.admin(.PATCH, "/admin/providers/groq", json: ["enabled": false])
                #expect(disabled.status == 200)
                let off = try await gateway.request(.POST, "/groq/v1/chat/completions", token: token, body: Self.chat)
                #expect(off.status == 404)
                _ = try await gateway.admin(.PATCH, "/admin/providers/groq", json: ["enabled": true])
                let deleted = try await gateway.admin(.DELETE, "/admin/providers/groq?delete_keys=true")
                #expect(deleted.status == 200)
                #expect(deleted.json["keys_deleted"] as? Int == 2)
                let gone = try await gateway.request(.POST, "/groq/v1/chat/completions", token: token, body: Self.chat)
                #expect(gone.status == 404)
                #expect(groq.received.count == 1)
                #expect(ollama.received.isEmpty)
            }
        }
    }

    @Test("verify-key asks a server at its own base URL, with or without a secret, and stores nothing")
    func verifyServer() async throws {
        let gpu = try await MockUpstream.start()
        do {
            try await withProxy { gateway, ollama in
                let keyless = try await gateway.admin(.POST, "/admin/verify-key", json: ["base_url": gpu.baseURL])
                #expect(keyless.status == 200, "\(keyless.body)")
                #expect(keyless.json["valid"] as? Bool == true)
                #expect(gpu.received.first?.key == nil)
                let withSecret = try await gateway.admin(
                    .POST, "/admin/verify-key", json: ["base_url": gpu.baseURL + "/", "apiKey": "sk-gpu-verify-0001"])
                #expect(withSecret.status == 200, "\(withSecret.body)")
                #expect(gpu.received.last?.key == "sk-gpu-verify-0001")
                #expect(!withSecret.body.contains("sk-gpu-verify-0001"))
                #expect(ollama.received.isEmpty)
                #expect(gateway.gateway.pool.count(provider: .ollama) == 0)
                let bad = try await gateway.admin(.POST, "/admin/verify-key", json: ["base_url": "file:///etc/passwd"])
                #expect(bad.status == 400)
                #expect((bad.json["error"] as? String)?.contains("base_url") == true)
            }
        } catch {
            await gpu.stop()
            throw error
        }
        await gpu.stop()
    }

    @Test("a weight set through PATCH gives the key its share of the picks")
    func weightShares() async throws {
        try await withProxy { gateway, ollama in
            let ids = try await gateway.addKeys(["ollama-weight-key-aaaa", "ollama-weight-key-bbbb"])
            let patched = try await gateway.admin(.PATCH, "/admin/api-keys/\(ids[1])", json: ["weight": 3])
            #expect(patched.status == 200, "\(patched.body)")
            let token = try await gateway.createToken()
            for _ in 0..<40 {
                let reply = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: Self.chat)
                #expect(reply.status == 200)
            }
            // Weighted rotation gives exact shares per lap of 4 picks: 10 and 30.
            let heavy = ollama.received.filter { $0.key == "ollama-weight-key-bbbb" }.count
            #expect(heavy == 30)
        }
    }

    @Test("a provider from PROVIDERS_FILE is listed as the file's and cannot be changed, replaced or deleted")
    func fileProvider() async throws {
        let acme = ProviderDefinition(
            name: ProviderID(rawValue: "acme"), baseURL: "http://127.0.0.1:9", headers: ["X-Secret-Ish": "file-value"])
        let registry = ProviderRegistry(
            builtIn: [ProviderPresets.ollama(baseURL: "http://127.0.0.1:9", probe: .models)], fromFile: [acme])
        let administration = ProviderAdministration(registry: registry, pool: KeyPool(), store: InMemoryStore())
        let listed = try administration.provider(named: "ACME")
        #expect(listed.source == "file")
        var fields: [String: Any] = ["enabled": false]
        let body = try AdminBody.decode(ProviderFields.self, from: JSONSerialization.data(withJSONObject: fields))
        do {
            _ = try await administration.update("acme", with: body)
            Issue.record("a file's provider was changed")
        } catch let error as GatewayError {
            #expect(error.status == .conflict)
            #expect(error.message.contains("PROVIDERS_FILE"))
        }
        for deleteKeys in [false, true] {
            do {
                _ = try await administration.delete("acme", deleteKeys: deleteKeys)
                Issue.record("a file's provider was deleted")
            } catch let error as GatewayError {
                #expect(error.status == .conflict)
            }
        }
        fields = ["name": "acme", "base_url": "http://127.0.0.1:10"]
        let again = try AdminBody.decode(ProviderFields.self, from: JSONSerialization.data(withJSONObject: fields))
        do {
            _ = try await administration.create(try again.newDefinition())
            Issue.record("a file's provider was replaced")
        } catch let error as GatewayError {
            #expect(error.status == .conflict)
        }
        #expect(registry.catalog[acme.name] == acme)
    }

    @Test("a built-in the file overrides is the file's: a PATCH is a 409, not a 200 that changes nothing")
    func fileOverridesBuiltIn() async throws {
        let preset = ProviderPresets.ollama(baseURL: "http://127.0.0.1:9", probe: .models)
        var override = preset
        override.aliases = ["gpt-4o-mini": "qwen3:8b"]
        let registry = ProviderRegistry(builtIn: [preset], fromFile: [override])
        let administration = ProviderAdministration(registry: registry, pool: KeyPool(), store: InMemoryStore())
        #expect(try administration.provider(named: "ollama").source == "file")
        let body = try AdminBody.decode(
            ProviderFields.self, from: JSONSerialization.data(withJSONObject: ["aliases": ["a": "b"]]))
        do {
            _ = try await administration.update("ollama", with: body)
            Issue.record("a built-in the file overrides was changed through the API")
        } catch let error as GatewayError {
            #expect(error.status == .conflict)
        }
        #expect(registry.catalog[.ollama]?.aliases == ["gpt-4o-mini": "qwen3:8b"])
    }
}
