import Foundation
import PoolCore
import PoolStore
import Testing

/// Provider and placement changes reach the other writers on one database through the change feed (issue #17).
@Suite("Every shared store: provider and placement changes in the change feed")
struct ProviderFeedTests {
    @Test(
        "a provider saved, replaced and deleted by one writer reaches the other's feed, not its own",
        arguments: SharedStore.allCases.filter(\.isTested))
    func providerChanges(kind: SharedStore) async throws {
        try await kind.withTwoWriters { a, b in
            let start = try await a.revision()
            let groq = ProviderFixtures.fullDefinition("groq")
            try await b.saveProvider(groq)
            let saved = try await a.changes(after: start)
            #expect(saved.providers == [groq])
            #expect(saved.removedProviders.isEmpty && saved.keys.isEmpty && saved.removedKeyIDs.isEmpty)
            #expect(saved.revision > start)
            #expect(try await b.changes(after: start).isEmpty)  // a writer's own changes are left out

            var replaced = groq
            replaced.aliases = ["gpt-4o-mini": "llama-3.1-8b-instant"]
            try await b.saveProvider(replaced)
            let replacedSeen = try await a.changes(after: saved.revision)
            #expect(replacedSeen.providers == [replaced])

            #expect(try await b.deleteProvider(name: groq.name))
            let deleted = try await a.changes(after: replacedSeen.revision)
            #expect(deleted.providers.isEmpty)
            #expect(deleted.removedProviders == [groq.name])

            // Saved and deleted between two reads: the reader learns only that it is gone.
            let other = ProviderFixtures.plainDefinition("brief")
            try await b.saveProvider(other)
            _ = try await b.deleteProvider(name: other.name)
            let both = try await a.changes(after: deleted.revision)
            #expect(both.providers.isEmpty && both.removedProviders == [other.name])

            // Deleting what is not stored logs nothing.
            #expect(try await b.deleteProvider(name: other.name) == false)
            let nothing = try await a.changes(after: both.revision)
            #expect(nothing.isEmpty)

            #expect(try await a.loadSnapshot().providers.isEmpty)
        }
    }

    @Test(
        "keys with base URLs reach the other writer whole; a placement change comes back as the changed key",
        arguments: SharedStore.allCases.filter(\.isTested))
    func keysAndPlacements(kind: SharedStore) async throws {
        try await kind.withTwoWriters { a, b in
            let start = try await a.revision()
            let keys = [
                ProviderFixtures.endpointKey("", baseURL: "http://gpu1:11434", weight: 3, tier: 1),
                ProviderFixtures.endpointKey("", baseURL: "http://gpu2:11434", weight: 1, tier: 2),
            ]
            _ = try await b.insertKeys(keys)
            let added = try await a.changes(after: start)
            #expect(added.keys == keys)

            try await b.updateKeyPlacements([
                KeyPlacementRecord(keyID: keys[1].id, placement: KeyPlacement(weight: 60, tier: 1)),
                KeyPlacementRecord(keyID: "k_unknown", placement: KeyPlacement(weight: 2, tier: 2)),
            ])
            let moved = try await a.changes(after: added.revision)
            var expected = keys[1]
            expected.placement = KeyPlacement(weight: 60, tier: 1)
            #expect(moved.keys == [expected])
            // The unknown id was not logged: it must not read as a deleted key.
            #expect(moved.removedKeyIDs.isEmpty)
            #expect(try await b.changes(after: added.revision).isEmpty)

            // Only unknown ids: nothing to report.
            try await b.updateKeyPlacements([KeyPlacementRecord(keyID: "k_gone", placement: KeyPlacement())])
            #expect(try await a.changes(after: moved.revision).keys.isEmpty)
            #expect(try await a.changes(after: moved.revision).removedKeyIDs.isEmpty)
        }
    }
}
