import Foundation
import NIOHTTP1
import PoolCore
import PoolStore
import Testing

@testable import PoolServer

/// Keys with their own server and placement (issue #17): `base_url`, `weight` and `tier` on add and import, the
/// placement change, and the key payload's new fields.
@Suite("Admin API: key base URLs and placement")
struct AdminKeyPlacementTests {
    @Test("a key's weight and tier change through PATCH, stored and in the pool; out of range is a 400")
    func patchPlacement() async throws {
        try await withRouterGateway { gateway in
            let id = try #require(try await gateway.addKeys(["ollama-aaaaaaaaaaaaaaaa"]).first)
            let listed = try await gateway.admin(.GET, "/admin/api-keys")
            let key = try #require((listed.json["keys"] as? [[String: Any]])?.first)
            #expect(key["weight"] as? Int == 1)
            #expect(key["tier"] as? Int == 1)
            #expect(key["base_url"] == nil)

            let patched = try await gateway.admin(.PATCH, "/admin/api-keys/\(id)", json: ["weight": 5, "tier": 2])
            #expect(patched.status == 200, "\(patched.body)")
            let answer = try #require(patched.json["key"] as? [String: Any])
            #expect(answer["weight"] as? Int == 5)
            #expect(answer["tier"] as? Int == 2)
            #expect(gateway.gateway.pool.view(id: id)?.placement == KeyPlacement(weight: 5, tier: 2))
            let stored = try await gateway.gateway.store.loadSnapshot().keys.first { $0.id == id }
            #expect(stored?.placement == KeyPlacement(weight: 5, tier: 2))

            // One field alone keeps the other.
            let tierOnly = try await gateway.admin(.PATCH, "/admin/api-keys/\(id)", json: ["tier": 3])
            #expect((tierOnly.json["key"] as? [String: Any])?["weight"] as? Int == 5)
            #expect((tierOnly.json["key"] as? [String: Any])?["tier"] as? Int == 3)

            for body: [String: Any] in [
                ["weight": 0], ["weight": 101], ["tier": 10], ["tier": 0], ["weight": 2.5], ["weight": "3"], [:],
                ["base_url": "http://127.0.0.1:11434"],
            ] {
                let reply = try await gateway.admin(.PATCH, "/admin/api-keys/\(id)", json: body)
                #expect(reply.status == 400, "\(body)")
                #expect(reply.json["error"] is String)
            }
            let missing = try await gateway.admin(.PATCH, "/admin/api-keys/k_doesnotexist", json: ["weight": 2])
            #expect(missing.status == 404)
            #expect(gateway.gateway.pool.view(id: id)?.placement == KeyPlacement(weight: 5, tier: 3))
        }
    }

    @Test("a key added with base_url, weight and tier keeps them; a server without a secret is a key too")
    func addWithPlacement() async throws {
        try await withRouterGateway { gateway in
            let added = try await gateway.admin(
                .POST, "/admin/api-keys",
                json: [
                    "apiKey": "ollama-aaaaaaaaaaaaaaaa", "base_url": "http://127.0.0.1:11434/", "weight": 3, "tier": 2,
                ])
            #expect(added.status == 201, "\(added.body)")
            let key = try #require(added.json["key"] as? [String: Any])
            #expect(key["base_url"] as? String == "http://127.0.0.1:11434")
            #expect(key["weight"] as? Int == 3)
            #expect(key["tier"] as? Int == 2)

            // The same secret at another server is another key; at the same server, a duplicate.
            let elsewhere = try await gateway.admin(
                .POST, "/admin/api-keys",
                json: ["apiKey": "ollama-aaaaaaaaaaaaaaaa", "base_url": "http://127.0.0.2:11434"])
            #expect(elsewhere.status == 201, "\(elsewhere.body)")
            let same = try await gateway.admin(
                .POST, "/admin/api-keys",
                json: ["apiKey": "ollama-aaaaaaaaaaaaaaaa", "base_url": "http://127.0.0.1:11434"])
            #expect(same.status == 409)

            let keyless = try await gateway.admin(
                .POST, "/admin/api-keys", json: ["base_url": "http://127.0.0.3:11434"])
            #expect(keyless.status == 201, "\(keyless.body)")
            #expect((keyless.json["key"] as? [String: Any])?["base_url"] as? String == "http://127.0.0.3:11434")
            let keylessAgain = try await gateway.admin(
                .POST, "/admin/api-keys", json: ["base_url": "http://127.0.0.3:11434"])
            #expect(keylessAgain.status == 409)

            let stored = try await gateway.gateway.store.loadSnapshot().keys
            #expect(
                Set(stored.compactMap(\.baseURL)) == [
                    "http://127.0.0.1:11434", "http://127.0.0.2:11434", "http://127.0.0.3:11434",
                ])
            #expect(
                stored.first { $0.baseURL == "http://127.0.0.1:11434" }?.placement == KeyPlacement(weight: 3, tier: 2))

            for body: [String: Any] in [
                [:], ["base_url": "ftp://x.example"], ["base_url": "http://u:p@x.example"],
                ["apiKey": "ollama-bbbbbbbbbbbbbbbb", "weight": 0], ["apiKey": "ollama-bbbbbbbbbbbbbbbb", "tier": 12],
            ] {
                let reply = try await gateway.admin(.POST, "/admin/api-keys", json: body)
                #expect(reply.status == 400, "\(body)")
            }
            #expect(gateway.gateway.pool.count(provider: .ollama) == 3)
        }
    }

    @Test("imports read URL lines, URL----secret lines and objects with base_url, weight and tier")
    func importEndpoints() async throws {
        try await withRouterGateway { gateway in
            let text = """
                http://127.0.0.1:11434
                http://127.0.0.2:11434----sk-local-aaaaaaaaaaaaaaaa
                ollama-cccccccccccccccc
                """
            let fromText = try await gateway.admin(.POST, "/admin/api-keys/import-from-txt", json: ["content": text])
            #expect(fromText.status == 200, "\(fromText.body)")
            #expect(fromText.json["added"] as? Int == 3)
            let objects: [[String: Any]] = [
                ["base_url": "http://127.0.0.4:11434", "weight": 4, "tier": 2],
                ["base_url": "http://127.0.0.5:11434", "api_key": "sk-local-bbbbbbbbbbbbbbbb", "username": "gpu5"],
                ["api_key": "ollama-dddddddddddddddd", "weight": 7],
                ["base_url": "http://127.0.0.6:11434", "weight": 500],
            ]
            let fromObjects = try await gateway.admin(.POST, "/admin/api-keys/import", json: ["keys": objects])
            #expect(fromObjects.status == 200, "\(fromObjects.body)")
            #expect(fromObjects.json["added"] as? Int == 3)
            #expect((fromObjects.json["invalid"] as? [[String: Any]])?.count == 1)

            let views = gateway.gateway.pool.views(provider: .ollama)
            #expect(views.count == 6)
            let byURL = Dictionary(views.compactMap { view in view.baseURL.map { ($0, view) } }) { first, _ in first }
            #expect(byURL["http://127.0.0.1:11434"]?.maskedSecret.isEmpty == true)
            #expect(byURL["http://127.0.0.4:11434"]?.placement == KeyPlacement(weight: 4, tier: 2))
            #expect(byURL["http://127.0.0.5:11434"]?.username == "gpu5")
            #expect(views.first { $0.baseURL == nil && $0.placement.weight == 7 } != nil)
            #expect(!fromObjects.body.contains("sk-local-bbbbbbbbbbbbbbbb"))
        }
    }

    @Test("an import's base_url, weight and tier apply to every key that does not say otherwise")
    func importDefaults() async throws {
        try await withRouterGateway { gateway in
            let reply = try await gateway.admin(
                .POST, "/admin/api-keys/import",
                json: [
                    "keys": ["sk-self-aaaaaaaaaaaaaaaa", ["api_key": "sk-self-bbbbbbbbbbbbbbbb", "weight": 9]],
                    "base_url": "http://127.0.0.9:8000", "weight": 2, "tier": 3,
                ])
            #expect(reply.status == 200, "\(reply.body)")
            #expect(reply.json["added"] as? Int == 2)
            let views = gateway.gateway.pool.views(provider: .ollama)
            #expect(views.allSatisfy { $0.baseURL == "http://127.0.0.9:8000" })
            #expect(
                Set(views.map(\.placement)) == [KeyPlacement(weight: 2, tier: 3), KeyPlacement(weight: 9, tier: 3)])

            for extra: [String: Any] in [["weight": 0], ["tier": 10], ["base_url": "nope"]] {
                var body: [String: Any] = ["keys": ["sk-self-cccccccccccccccc"]]
                body.merge(extra) { _, new in new }
                let refused = try await gateway.admin(.POST, "/admin/import", json: body)
                #expect(refused.status == 400, "\(extra)")
            }
            #expect(gateway.gateway.pool.count(provider: .ollama) == 2)
        }
    }
}
