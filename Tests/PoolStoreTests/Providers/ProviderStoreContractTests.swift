import Foundation
import PoolCore
import PoolStore
import Synchronization
import Testing

/// Fixtures for the provider tests (issue #17).
enum ProviderFixtures {
    /// A key of `provider` with its own base URL and placement.
    static func endpointKey(
        _ secret: String, baseURL: String?, provider: ProviderID = ProviderID(rawValue: "local"),
        weight: Int = 1, tier: Int = 1
    ) -> KeyRecord {
        KeyRecord(
            provider: provider, secret: secret, createdAt: referenceDate, baseURL: baseURL,
            placement: KeyPlacement(weight: weight, tier: tier))
    }

    /// A definition with every field set, so a round trip checks them all.
    static func fullDefinition(_ name: String, alias: String = "qwen3:8b") -> ProviderDefinition {
        ProviderDefinition(
            name: ProviderID(rawValue: name), baseURL: "https://\(name).example/api", openAIPath: "/v1beta/openai",
            dialects: [.openai, .anthropic], probe: .chat(model: "probe-model"),
            headers: ["X-Team": "ops", "HTTP-Referer": "https://gateway.example"],
            timeouts: ProviderTimeouts(connect: 2.5, firstByte: 30, idle: nil),
            aliases: ["gpt-4o-mini": alias], enabled: false)
    }

    /// A definition with the defaults, as a POST body with only name and base URL gives it.
    static func plainDefinition(_ name: String) -> ProviderDefinition {
        ProviderDefinition(name: ProviderID(rawValue: name), baseURL: "http://\(name).internal:11434")
    }
}

/// What every store keeps of issue #17: keys' base URLs and placements, duplicates by `KeyIdentity`, provider
/// definitions, placement changes.
@Suite("Every store: providers, key base URLs and placements")
struct ProviderStoreContractTests {
    @Test("a key's base URL and placement load back as inserted, whole and in batches", arguments: StoreKind.tested)
    func baseURLAndPlacementRoundTrip(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let keys = [
                ProviderFixtures.endpointKey("", baseURL: "http://gpu1:11434", weight: 3, tier: 1),
                ProviderFixtures.endpointKey("sk-self", baseURL: "https://gpu2.example/", weight: 100, tier: 9),
                ProviderFixtures.endpointKey("sk-cloud", baseURL: nil, provider: .ollama, weight: 1, tier: 2),
                makeKey("sk-plain"),
            ]
            #expect(try await store.insertKeys(keys) == Set(keys.map(\.id)))
            let snapshot = try await store.loadSnapshot()
            #expect(snapshot.keys == keys)
            #expect(snapshot.keys.map(\.baseURL) == ["http://gpu1:11434", "https://gpu2.example/", nil, nil])
            #expect(snapshot.keys.map(\.placement.weight) == [3, 100, 1, 1])
            #expect(snapshot.keys.map(\.placement.tier) == [1, 9, 2, 1])
            let batched = Mutex<[KeyRecord]>([])
            _ = try await store.loadSnapshot { keys, _ in batched.withLock { $0 += keys } }
            #expect(batched.withLock { $0 } == keys)
        }
    }

    @Test(
        "duplicates go by identity: the same secret at two servers is two keys, the same server twice is one",
        arguments: StoreKind.tested)
    func identityDuplicates(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let first = [
                ProviderFixtures.endpointKey("sk-shared", baseURL: "http://gpu1:11434"),
                ProviderFixtures.endpointKey("sk-shared", baseURL: "http://gpu2:11434"),
                ProviderFixtures.endpointKey("sk-shared", baseURL: nil),
                ProviderFixtures.endpointKey("", baseURL: "http://gpu3:11434"),
            ]
            #expect(try await store.insertKeys(first) == Set(first.map(\.id)))
            let fresh = ProviderFixtures.endpointKey("", baseURL: "http://gpu4:11434")
            let again = [
                ProviderFixtures.endpointKey("sk-shared", baseURL: "http://gpu1:11434", weight: 5),
                // A trailing slash names the same server (`KeyIdentity` normalizes the URL).
                ProviderFixtures.endpointKey("sk-shared", baseURL: "http://gpu2:11434/"),
                ProviderFixtures.endpointKey("sk-shared", baseURL: nil, tier: 3),
                ProviderFixtures.endpointKey("", baseURL: "http://gpu3:11434"),
                fresh,
                // Earlier in the same batch.
                ProviderFixtures.endpointKey("", baseURL: "http://gpu4:11434/"),
            ]
            #expect(try await store.insertKeys(again) == [fresh.id])
            let stored = try await store.loadSnapshot().keys
            #expect(stored.map(\.id) == first.map(\.id) + [fresh.id])
            // The skipped copies changed nothing of the stored keys.
            #expect(Array(stored.prefix(4)) == first)
        }
    }

    @Test("a deleted key's identity can be stored again", arguments: StoreKind.tested)
    func deletedIdentityIsFree(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let key = ProviderFixtures.endpointKey("", baseURL: "http://gpu1:11434")
            _ = try await store.insertKeys([key])
            try await store.deleteKeys(ids: [key.id])
            let again = ProviderFixtures.endpointKey("", baseURL: "http://gpu1:11434")
            #expect(try await store.insertKeys([again]) == [again.id])
        }
    }

    @Test(
        "provider definitions are saved, replaced in place, deleted, and load in creation order",
        arguments: StoreKind.tested)
    func providersSaveReplaceDelete(kind: StoreKind) async throws {
        try await kind.withStore { store in
            #expect(try await store.loadSnapshot().providers.isEmpty)
            let deepseek = ProviderFixtures.fullDefinition("deepseek")
            let local = ProviderFixtures.plainDefinition("local")
            try await store.saveProvider(deepseek)
            try await store.saveProvider(local)
            #expect(try await store.loadSnapshot().providers == [deepseek, local])

            var replaced = deepseek
            replaced.aliases = ["gpt-4o": "deepseek-chat"]
            replaced.enabled = true
            replaced.timeouts = ProviderTimeouts(idle: 120)
            try await store.saveProvider(replaced)
            #expect(try await store.loadSnapshot().providers == [replaced, local])

            let key = ProviderFixtures.endpointKey("", baseURL: "http://local.internal:11434")
            _ = try await store.insertKeys([key])
            #expect(try await store.deleteProvider(name: local.name))
            #expect(try await store.deleteProvider(name: local.name) == false)
            #expect(try await store.deleteProvider(name: ProviderID(rawValue: "never-stored")) == false)
            let snapshot = try await store.loadSnapshot()
            #expect(snapshot.providers == [replaced])
            // Deleting a definition leaves its keys (the admin API decides about them).
            #expect(snapshot.keys.map(\.id) == [key.id])

            // An override of a built-in is a stored definition like any other.
            let override = ProviderDefinition(
                name: .ollama, baseURL: "https://ollama.com", aliases: ["small": "llama3.2:1b"], enabled: false)
            try await store.saveProvider(override)
            #expect(try await store.loadSnapshot().providers == [replaced, override])
        }
    }

    @Test("placements change for known keys only; everything else about the key stays", arguments: StoreKind.tested)
    func placementsUpdate(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let keys = [
                ProviderFixtures.endpointKey("", baseURL: "http://gpu1:11434", weight: 2, tier: 1),
                ProviderFixtures.endpointKey("sk-b", baseURL: nil, weight: 1, tier: 1),
            ]
            _ = try await store.insertKeys(keys)
            try await store.updateKeyPlacements([
                KeyPlacementRecord(keyID: keys[0].id, placement: KeyPlacement(weight: 40, tier: 2)),
                KeyPlacementRecord(keyID: "k_unknown", placement: KeyPlacement(weight: 7, tier: 7)),
            ])
            try await store.updateKeyPlacements([])
            var expected = keys
            expected[0].placement = KeyPlacement(weight: 40, tier: 2)
            #expect(try await store.loadSnapshot().keys == expected)
        }
    }

    @Test("a closed store refuses provider and placement calls", arguments: StoreKind.tested)
    func closedStoreRefuses(kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.close()
            await #expect(throws: (any Error).self) {
                try await store.saveProvider(ProviderFixtures.plainDefinition("late"))
            }
            await #expect(throws: (any Error).self) { _ = try await store.deleteProvider(name: .ollama) }
            await #expect(throws: (any Error).self) {
                try await store.updateKeyPlacements([KeyPlacementRecord(keyID: "k_1", placement: KeyPlacement())])
            }
        }
    }
}
