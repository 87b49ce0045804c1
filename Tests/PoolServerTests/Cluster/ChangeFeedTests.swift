import Foundation
import Logging
import PoolCore
import PoolServer
import PoolStore
import Testing

@testable import PoolServer

/// Another writer's changes (a second instance, a CLI command) reach a running instance through the store's
/// change log.
@Suite("Several instances on one database: the change feed")
struct ChangeFeedTests {
    /// From seconds since 1970, as the stores keep dates, so records compare equal after a round trip.
    private static let now = Date(timeIntervalSince1970: 1_800_000_000.123)

    private static func token(_ id: String) -> ClientTokenRecord {
        ClientTokenRecord(
            id: id, name: id, tokenHash: "hash-\(id)", prefix: "sk-\(id.prefix(4))", createdAt: now, expiresAt: nil,
            provider: nil)
    }

    @Test(
        "a store reports what other writers changed after a revision, as it is now, and leaves out its own",
        arguments: SharedDatabase.tested)
    func storeReportsOthersChanges(database: SharedDatabase) async throws {
        try await database.with { openStore in
            let reader = try await openStore()
            let writer = try await openStore()
            let own = KeyRecord(provider: .ollama, secret: "sk-readers-own-key-0001", createdAt: Self.now)
            let doomed = KeyRecord(provider: .ollama, secret: "sk-deleted-later-0001", createdAt: Self.now)
            _ = try await writer.insertKeys([doomed])
            let start = try await reader.revision()
            _ = try await reader.insertKeys([own])
            #expect(try await reader.changes(after: start).isEmpty)

            let added = (0..<3).map {
                KeyRecord(provider: .openrouter, secret: "sk-added-elsewhere-\($0)", createdAt: Self.now)
            }
            _ = try await writer.insertKeys(added)
            try await writer.deleteKeys(ids: [doomed.id])
            let disabled = KeyHealth(condition: .disabled(until: nil, reason: "admin"))
            try await writer.updateKeyHealth([KeyHealthRecord(keyID: added[1].id, health: disabled)])
            try await writer.insertToken(Self.token("tok_new"))
            try await writer.insertToken(Self.token("tok_gone"))
            #expect(try await writer.deleteToken(id: "tok_gone"))

            let changes = try await reader.changes(after: start)
            var expected = added
            expected[1].health = disabled
            #expect(changes.keys.sorted { $0.id < $1.id } == expected.sorted { $0.id < $1.id })
            #expect(changes.removedKeyIDs == [doomed.id])
            #expect(changes.tokens.map(\.id) == ["tok_new"])
            #expect(changes.removedTokenIDs == ["tok_gone"])
            #expect(changes.revision == (try await reader.revision()))
            #expect(try await reader.changes(after: changes.revision).isEmpty)
            try await reader.close()
            try await writer.close()
        }
    }

    @Test(
        "a running instance applies a CLI's keys, deletions, admin disable and tokens",
        arguments: SharedDatabase.tested)
    func instanceAppliesChanges(database: SharedDatabase) async throws {
        try await database.with { openStore in
            let seeding = try await openStore()
            let kept = KeyRecord(provider: .ollama, secret: "sk-loaded-at-start-0001", createdAt: Self.now)
            let doomed = KeyRecord(provider: .ollama, secret: "sk-deleted-by-cli-0001", createdAt: Self.now)
            _ = try await seeding.insertKeys([kept, doomed])
            try await seeding.insertToken(Self.token("tok_old"))
            try await seeding.close()

            let store = try await openStore()
            let gateway = try await Gateway.load(
                from: store, configuration: GatewayConfiguration(), logger: SharedDatabase.logger,
                announceAdminToken: { _ in })
            let cli = try await openStore()
            let fresh = KeyRecord(provider: .ollama, secret: "sk-imported-by-cli-0001", createdAt: Self.now)
            _ = try await cli.insertKeys([fresh])
            try await cli.deleteKeys(ids: [doomed.id])
            let disabled = KeyHealth(condition: .disabled(until: nil, reason: "admin"))
            try await cli.updateKeyHealth([KeyHealthRecord(keyID: kept.id, health: disabled)])
            try await cli.insertToken(Self.token("tok_cli"))
            #expect(try await cli.deleteToken(id: "tok_old"))
            try await cli.close()

            let feed = ChangeFeedService(gateway: gateway, interval: .seconds(1))
            let reached = await feed.catchUp(from: gateway.loadedRevision)
            #expect(reached == (try await store.revision()))
            #expect(gateway.pool.key(id: fresh.id) != nil)
            #expect(gateway.pool.key(id: doomed.id) == nil)
            #expect(gateway.pool.view(id: kept.id)?.health.condition == disabled.condition)
            #expect(Set(gateway.tokens.entries().map(\.record.id)) == ["tok_cli"])
            #expect(await feed.catchUp(from: reached) == reached)
            try await store.close()
        }
    }
}
