import Foundation
import NIOHTTP1
import PoolCore
import PoolStore
import Testing

@testable import PoolServer

/// `/admin/providers` (issue #17) over the router transport and an `InMemoryStore`: every route, its refusals,
/// and what a change does to the live registry and the store.
@Suite("Admin API: providers")
struct AdminProvidersTests {
    static var deepseek: [String: Any] {
        [
            "name": "deepseek", "base_url": "https://api.deepseek.example/", "dialects": ["openai"],
            "probe": ["kind": "chat", "model": "deepseek-chat"], "headers": ["X-Org": "org-secret-value-123456"],
            "timeouts": ["connect": 5, "first_byte": 30], "aliases": ["gpt-4o-mini": "deepseek-chat"],
        ]
    }

    @Test("every provider route refuses a missing admin token with 401")
    func adminToken() async throws {
        try await withRouterGateway { gateway in
            for (method, path) in [
                (HTTPMethod.GET, "/admin/providers"), (.POST, "/admin/providers"), (.GET, "/admin/providers/ollama"),
                (.PATCH, "/admin/providers/ollama"), (.DELETE, "/admin/providers/ollama"),
                (.PATCH, "/admin/api-keys/k_x"),
            ] {
                let reply = try await gateway.request(method, path, body: "{}")
                #expect(reply.status == 401, "\(method) \(path)")
                #expect(reply.json["error"] is String)
            }
        }
    }

    @Test("the list shows the built-ins with their source, masked header values and key counts")
    func listBuiltIns() async throws {
        let referer = "https://referer.example/private-path-0123456789"
        try await withRouterGateway({ $0.upstream.openRouterReferer = referer }) { gateway in
            try await gateway.addKeys(["ollama-aaaaaaaaaaaaaaaa", "ollama-bbbbbbbbbbbbbbbb"])
            let reply = try await gateway.admin(.GET, "/admin/providers")
            #expect(reply.status == 200)
            #expect(!reply.body.contains(referer))
            let providers = try #require(reply.json["providers"] as? [[String: Any]])
            #expect(providers.map { $0["name"] as? String } == ["ollama", "openrouter"])
            let ollama = providers[0]
            #expect(ollama["source"] as? String == "built_in")
            #expect(ollama["base_url"] as? String == "https://ollama.com")
            #expect(ollama["dialects"] as? [String] == ["openai", "ollama", "anthropic"])
            #expect((ollama["keys"] as? [String: Any])?["total"] as? Int == 2)
            #expect((ollama["keys"] as? [String: Any])?["active"] as? Int == 2)
            let openRouter = providers[1]
            #expect((openRouter["probe"] as? [String: Any])?["kind"] as? String == "key_info")
            let headers = try #require(openRouter["headers"] as? [String: String])
            // Header names are data: written as configured, not converted to snake case.
            #expect(headers["HTTP-Referer"] == SecretMask.mask(referer))
            #expect((openRouter["keys"] as? [String: Any])?["total"] as? Int == 0)
        }
    }

    @Test("a provider created through the API is listed, shown, stored and in the live catalog at once")
    func create() async throws {
        try await withRouterGateway { gateway in
            let created = try await gateway.admin(.POST, "/admin/providers", json: Self.deepseek)
            #expect(created.status == 201, "\(created.body)")
            #expect(!created.body.contains("org-secret-value-123456"))
            let provider = try #require(created.json["provider"] as? [String: Any])
            #expect(provider["source"] as? String == "store")
            #expect(provider["base_url"] as? String == "https://api.deepseek.example")
            #expect(provider["openai_path"] as? String == "/v1")
            #expect(provider["aliases"] as? [String: String] == ["gpt-4o-mini": "deepseek-chat"])
            #expect((provider["timeouts"] as? [String: Any])?["first_byte"] as? Double == 30)
            #expect((provider["headers"] as? [String: String])?["X-Org"] == SecretMask.mask("org-secret-value-123456"))

            let definition = try #require(gateway.gateway.providers.catalog[ProviderID(rawValue: "deepseek")])
            #expect(definition.headers["X-Org"] == "org-secret-value-123456")
            #expect(definition.probe == .chat(model: "deepseek-chat"))
            let stored = try await gateway.gateway.store.loadSnapshot().providers
            #expect(stored.map(\.name.rawValue) == ["deepseek"])
            #expect(stored.first == definition)

            let shown = try await gateway.admin(.GET, "/admin/providers/DeepSeek")
            #expect(shown.status == 200)
            #expect((shown.json["provider"] as? [String: Any])?["name"] as? String == "deepseek")
            let listed = try await gateway.admin(.GET, "/admin/providers")
            let names = (listed.json["providers"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            #expect(names == ["ollama", "openrouter", "deepseek"])

            let again = try await gateway.admin(.POST, "/admin/providers", json: Self.deepseek)
            #expect(again.status == 409)
            let builtInName = try await gateway.admin(
                .POST, "/admin/providers", json: ["name": "ollama", "base_url": "http://127.0.0.1:1"])
            #expect(builtInName.status == 409)
        }
    }

    @Test("an invalid definition is a 400 naming the field, and nothing is stored")
    func createRefusals() async throws {
        try await withRouterGateway { gateway in
            let cases: [(body: [String: Any], mentions: String)] = [
                (["base_url": "https://x.example"], "name"),
                (["name": "x"], "base_url"),
                (["name": "x", "base_url": "ftp://x.example"], "base_url"),
                (["name": "x", "base_url": "https://user:pw@x.example"], "base_url"),
                (["name": "admin", "base_url": "https://x.example"], "admin"),
                (["name": "9lives", "base_url": "https://x.example"], "name"),
                (["name": "x", "base_url": "https://x.example", "openai_path": "v1"], "openai_path"),
                (["name": "x", "base_url": "https://x.example", "dialects": []], "dialects"),
                (["name": "x", "base_url": "https://x.example", "dialects": ["grpc"]], "dialects"),
                (["name": "x", "base_url": "https://x.example", "dialects": "openai"], "dialects"),
                (["name": "x", "base_url": "https://x.example", "probe": ["kind": "ping"]], "probe"),
                (["name": "x", "base_url": "https://x.example", "probe": ["kind": "chat"]], "probe"),
                (
                    ["name": "x", "base_url": "https://x.example", "headers": ["Authorization": "Bearer zzzzzzzz"]],
                    "Authorization"
                ),
                (["name": "x", "base_url": "https://x.example", "headers": ["X-A": 5]], "headers"),
                (["name": "x", "base_url": "https://x.example", "timeouts": ["connect": -1]], "timeouts.connect"),
                (["name": "x", "base_url": "https://x.example", "aliases": ["a": ""]], "aliases"),
                (["name": "x", "base_url": "https://x.example", "enabled": "yes"], "enabled"),
            ]
            for (body, mentions) in cases {
                let reply = try await gateway.admin(.POST, "/admin/providers", json: body)
                #expect(reply.status == 400, "\(body)")
                let message = reply.json["error"] as? String ?? ""
                #expect(message.contains(mentions), "\(body): \(message)")
                #expect(!message.contains("zzzzzzzz"))
            }
            let notJSON = try await gateway.request(
                .POST, "/admin/providers", token: gateway.adminToken, body: "{\"name\": ")
            #expect(notJSON.status == 400)
            #expect(try await gateway.gateway.store.loadSnapshot().providers.isEmpty)
            #expect(gateway.gateway.providers.catalog.names == [.ollama, .openrouter])
        }
    }

    @Test("a stored provider's fields change in part; its name cannot")
    func patchStored() async throws {
        try await withRouterGateway { gateway in
            _ = try await gateway.admin(.POST, "/admin/providers", json: Self.deepseek)
            let patched = try await gateway.admin(
                .PATCH, "/admin/providers/deepseek",
                json: ["aliases": ["gpt-4o": "deepseek-reasoner"], "enabled": false, "openai_path": "/beta/v1"])
            #expect(patched.status == 200, "\(patched.body)")
            let definition = try #require(gateway.gateway.providers.catalog[ProviderID(rawValue: "deepseek")])
            #expect(definition.aliases == ["gpt-4o": "deepseek-reasoner"])
            #expect(definition.enabled == false)
            #expect(definition.openAIPath == "/beta/v1")
            // Fields left out stay as they were.
            #expect(definition.headers == ["X-Org": "org-secret-value-123456"])
            #expect(definition.probe == .chat(model: "deepseek-chat"))
            #expect(try await gateway.gateway.store.loadSnapshot().providers == [definition])

            let rename = try await gateway.admin(.PATCH, "/admin/providers/deepseek", json: ["name": "other"])
            #expect(rename.status == 400)
            let invalid = try await gateway.admin(.PATCH, "/admin/providers/deepseek", json: ["base_url": "nope"])
            #expect(invalid.status == 400)
            #expect((invalid.json["error"] as? String)?.contains("base_url") == true)
            let unknown = try await gateway.admin(.PATCH, "/admin/providers/nope", json: ["enabled": true])
            #expect(unknown.status == 404)
            #expect((unknown.json["error"] as? String)?.contains("deepseek") == true)
        }
    }

    @Test("a built-in takes changes to its editable fields only, kept as an override; it cannot be deleted")
    func patchBuiltIn() async throws {
        try await withRouterGateway { gateway in
            for field in ["base_url", "name", "dialects", "openai_path"] {
                let value: Any = field == "dialects" ? ["openai"] : (field == "base_url" ? "https://x.example" : "/v2")
                let reply = try await gateway.admin(.PATCH, "/admin/providers/ollama", json: [field: value])
                #expect(reply.status == 400, "\(field)")
                #expect((reply.json["error"] as? String)?.contains(field) == true)
            }
            let patched = try await gateway.admin(
                .PATCH, "/admin/providers/ollama",
                json: ["aliases": ["gpt-4o-mini": "qwen3:8b"], "probe": ["kind": "models"]])
            #expect(patched.status == 200, "\(patched.body)")
            let provider = try #require(patched.json["provider"] as? [String: Any])
            #expect(provider["source"] as? String == "built_in")
            let ollama = try #require(gateway.gateway.providers.catalog[.ollama])
            #expect(ollama.aliases == ["gpt-4o-mini": "qwen3:8b"])
            #expect(ollama.probe == .models)
            #expect(ollama.baseURL == "https://ollama.com")
            #expect(ollama.dialects == [.openai, .ollama, .anthropic])
            #expect(try await gateway.gateway.store.loadSnapshot().providers.map(\.name) == [.ollama])

            let delete = try await gateway.admin(.DELETE, "/admin/providers/ollama")
            #expect(delete.status == 400)
            #expect(gateway.gateway.providers.catalog[.ollama] != nil)
        }
    }

    @Test("a built-in's stored override keeps only what the admin changed, not what the settings give it")
    func builtInOverrideLeavesSettings() async throws {
        try await withRouterGateway({ $0.upstream.openRouterReferer = "https://referer.example/app" }) { gateway in
            let patched = try await gateway.admin(
                .PATCH, "/admin/providers/openrouter", json: ["aliases": ["gpt-4o": "openai/gpt-4o"]])
            #expect(patched.status == 200, "\(patched.body)")
            let stored = try #require(try await gateway.gateway.store.loadSnapshot().providers.first)
            #expect(stored.name == .openrouter)
            // The referer is the setting's: a later OPENROUTER_REFERER applies, the override does not pin it.
            #expect(stored.headers.isEmpty)
            #expect(stored.aliases == ["gpt-4o": "openai/gpt-4o"])
            let live = try #require(gateway.gateway.providers.catalog[.openrouter])
            #expect(live.headers == ["HTTP-Referer": "https://referer.example/app"])
            #expect(live.probe == .keyInfo(path: "/v1/key"))
            let headers = try await gateway.admin(
                .PATCH, "/admin/providers/openrouter", json: ["headers": ["X-Extra": "extra-value-000"]])
            #expect(headers.status == 200)
            #expect(
                gateway.gateway.providers.catalog[.openrouter]?.headers
                    == ["HTTP-Referer": "https://referer.example/app", "X-Extra": "extra-value-000"])
        }
    }

    @Test("deleting a provider with keys needs delete_keys=true; then its keys go with it")
    func delete() async throws {
        try await withRouterGateway { gateway in
            _ = try await gateway.admin(.POST, "/admin/providers", json: Self.deepseek)
            let ids = try await gateway.addKeys(
                ["sk-deepseek-aaaaaaaaaaaaaaaa", "sk-deepseek-bbbbbbbbbbbbbbbb"], provider: "deepseek")
            #expect(ids.count == 2)
            let listed = try await gateway.admin(.GET, "/admin/providers/deepseek")
            #expect(((listed.json["provider"] as? [String: Any])?["keys"] as? [String: Any])?["total"] as? Int == 2)

            let refused = try await gateway.admin(.DELETE, "/admin/providers/deepseek")
            #expect(refused.status == 409)
            #expect((refused.json["error"] as? String)?.contains("delete_keys") == true)
            let badFlag = try await gateway.admin(.DELETE, "/admin/providers/deepseek?delete_keys=maybe")
            #expect(badFlag.status == 400)
            #expect(gateway.gateway.providers.catalog[ProviderID(rawValue: "deepseek")] != nil)

            let deleted = try await gateway.admin(.DELETE, "/admin/providers/deepseek?delete_keys=true")
            #expect(deleted.status == 200, "\(deleted.body)")
            #expect(deleted.json["keys_deleted"] as? Int == 2)
            #expect(gateway.gateway.providers.catalog[ProviderID(rawValue: "deepseek")] == nil)
            #expect(ids.allSatisfy { gateway.gateway.pool.view(id: $0) == nil })
            let snapshot = try await gateway.gateway.store.loadSnapshot()
            #expect(snapshot.providers.isEmpty)
            #expect(snapshot.keys.isEmpty)

            let gone = try await gateway.admin(.DELETE, "/admin/providers/deepseek")
            #expect(gone.status == 404)
            let keysOfGone = try await gateway.admin(.GET, "/admin/api-keys?provider=deepseek")
            #expect(keysOfGone.status == 400)
        }
    }

    @Test("a provider without keys is deleted plainly")
    func deleteEmpty() async throws {
        try await withRouterGateway { gateway in
            _ = try await gateway.admin(
                .POST, "/admin/providers", json: ["name": "groq", "base_url": "https://g.example"])
            let deleted = try await gateway.admin(.DELETE, "/admin/providers/groq")
            #expect(deleted.status == 200)
            #expect(deleted.json["deleted"] as? String == "groq")
            #expect(deleted.json["keys_deleted"] as? Int == 0)
        }
    }

    @Test("every provider name the admin API reads is checked against the live catalog")
    func liveCatalogNames() async throws {
        try await withRouterGateway { gateway in
            let before = try await gateway.admin(.GET, "/admin/api-keys?provider=groq")
            #expect(before.status == 400)
            #expect((before.json["error"] as? String)?.contains("ollama, openrouter") == true)
            _ = try await gateway.admin(
                .POST, "/admin/providers", json: ["name": "groq", "base_url": "https://g.example"])
            let added = try await gateway.admin(
                .POST, "/admin/api-keys", json: ["apiKey": "gsk-aaaaaaaaaaaaaaaaaaaa", "provider": "groq"])
            #expect(added.status == 201, "\(added.body)")
            #expect((added.json["key"] as? [String: Any])?["provider"] as? String == "groq")
            let listed = try await gateway.admin(.GET, "/admin/api-keys?provider=groq")
            #expect(listed.json["total"] as? Int == 1)
            let stats = try await gateway.admin(.GET, "/admin/keys/stats?provider=groq")
            #expect(stats.status == 200)
            for path in [
                "/admin/requests?provider=groq", "/admin/usage?provider=GROQ", "/admin/stats?provider=groq",
                "/admin/public-stats?provider=groq",
            ] {
                let reply = try await gateway.admin(.GET, path)
                #expect(reply.status == 200, "\(path): \(reply.body)")
            }
            let unknownLog = try await gateway.admin(.GET, "/admin/requests?provider=mistral")
            #expect(unknownLog.status == 400)
            #expect((unknownLog.json["error"] as? String)?.contains("groq") == true)
            let token = try await gateway.admin(.POST, "/admin/tokens", json: ["name": "t", "provider": "groq"])
            #expect(token.status == 201, "\(token.body)")
            let unknown = try await gateway.admin(
                .POST, "/admin/api-keys", json: ["apiKey": "gsk-bbbbbbbbbbbbbbbbbbbb", "provider": "mistral"])
            #expect(unknown.status == 400)
            #expect((unknown.json["error"] as? String)?.contains("groq") == true)
        }
    }
}
