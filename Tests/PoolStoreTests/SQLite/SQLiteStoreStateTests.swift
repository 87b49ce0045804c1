import Foundation
import PoolCore
import PoolStore
import Testing

@Suite("SQLite store: statistics, tokens, settings and lifecycle")
struct SQLiteStoreStateTests {
    static func batch(for key: KeyRecord, token: ClientTokenRecord, hour: Int) -> StatsBatch {
        StatsBatch(
            keyStats: [
                KeyStatsRecord(
                    keyID: key.id, requests: 10, successes: 7, failures: 3, latencyMillisSum: 12_345,
                    promptTokens: 100, completionTokens: 200, lastUsed: referenceDate,
                    lastSuccess: referenceDate.addingTimeInterval(-1.5), lastFailure: nil)
            ],
            keyHealth: [
                KeyHealthRecord(
                    keyID: key.id,
                    health: KeyHealth(condition: .invalid(reason: "upstream answered 403"), consecutiveFailures: 2))
            ],
            tokenRequestCounts: [TokenCount(tokenID: token.id, requestCount: 42)],
            globalStats: [GlobalStatsRecord(provider: .ollama, requests: 10, successes: 7, failures: 3)],
            modelHours: [
                ModelHourRecord(
                    provider: .ollama, model: "llama3.2:3b", hourStart: hour, requests: 10, successes: 7, failures: 3)
            ])
    }

    static func token(_ id: String = "tok_1", hash: String = "h1") -> ClientTokenRecord {
        ClientTokenRecord(
            id: id, name: "ci", tokenHash: hash, prefix: "sk-abcdefg", createdAt: referenceDate,
            expiresAt: referenceDate.addingTimeInterval(86_400), provider: .openrouter)
    }

    static var currentHour: Int { Int(Date().timeIntervalSince1970) / 3600 * 3600 }

    @Test("writing the same stats batch twice counts it once; a new batch adds to the totals")
    func statsBatchIsIdempotent() async throws {
        try await withTemporaryDirectory { folder in
            let store = try openTestStore(in: folder)
            let key = makeKey("sk-stats")
            let token = Self.token()
            _ = try await store.insertKeys([key])
            try await store.insertToken(token)
            let batch = Self.batch(for: key, token: token, hour: Self.currentHour)

            try await store.write(batch)
            let once = try await store.loadSnapshot()
            try await store.write(batch)
            let twice = try await store.loadSnapshot()

            #expect(twice.keyStats == batch.keyStats)
            #expect(twice.globalStats == batch.globalStats)
            #expect(twice.modelHours == batch.modelHours)
            #expect(twice.keys.first?.health == batch.keyHealth.first?.health)
            #expect(twice.tokens.first?.requestCount == 42)
            #expect(once.keyStats == twice.keyStats && once.modelHours == twice.modelHours)

            var later = batch
            later.id = UUID().uuidString
            later.keyStats[0].requests = 1
            later.globalStats[0].requests = 1
            later.modelHours[0].requests = 1
            try await store.write(later)
            let updated = try await store.loadSnapshot()
            #expect(updated.keyStats.map(\.requests) == [11])
            #expect(updated.globalStats.map(\.requests) == [11])
            #expect(updated.modelHours.map(\.requests) == [11])
            try await store.close()
        }
    }

    @Test("a batch naming keys and tokens that no longer exist is written for the rest")
    func batchSkipsVanishedRows() async throws {
        try await withTemporaryDirectory { folder in
            let store = try openTestStore(in: folder)
            let key = makeKey("sk-alive")
            _ = try await store.insertKeys([key])
            var batch = Self.batch(for: key, token: Self.token("tok_gone"), hour: Self.currentHour)
            batch.keyStats.append(KeyStatsRecord(keyID: "k_gone", requests: 5))
            batch.keyHealth.append(KeyHealthRecord(keyID: "k_gone", health: KeyHealth()))

            try await store.write(batch)
            let snapshot = try await store.loadSnapshot()
            #expect(snapshot.keyStats.map(\.keyID) == [key.id])
            #expect(snapshot.globalStats.count == 1)
            #expect(snapshot.tokens.isEmpty)
            try await store.close()
        }
    }

    @Test("model hours older than thirty days are not loaded")
    func oldModelHoursAreNotLoaded() async throws {
        try await withTemporaryDirectory { folder in
            let store = try openTestStore(in: folder)
            let recent = ModelHourRecord(
                provider: .ollama, model: "m", hourStart: Self.currentHour, requests: 1, successes: 1, failures: 0)
            var old = recent
            old.hourStart -= 31 * 86_400
            try await store.write(StatsBatch(modelHours: [old, recent]))
            #expect(try await store.loadSnapshot().modelHours == [recent])
            try await store.close()
        }
    }

    @Test("tokens insert, load, refuse a duplicate hash and delete")
    func tokensLifecycle() async throws {
        try await withTemporaryDirectory { folder in
            let store = try openTestStore(in: folder)
            let token = Self.token()
            let global = ClientTokenRecord(
                id: "tok_2", name: "all", tokenHash: "h2", prefix: "sk-zzz",
                createdAt: referenceDate.addingTimeInterval(1),
                expiresAt: nil, provider: nil, requestCount: 3)
            try await store.insertToken(token)
            try await store.insertToken(global)
            #expect(try await store.loadSnapshot().tokens == [token, global])

            await #expect(throws: StoreError.self) { try await store.insertToken(Self.token("tok_3", hash: "h1")) }

            #expect(try await store.deleteToken(id: "tok_1"))
            #expect(try await !store.deleteToken(id: "tok_1"))
            #expect(try await store.loadSnapshot().tokens == [global])
            try await store.close()
        }
    }

    @Test("settings are absent until set and the last value wins")
    func settings() async throws {
        try await withTemporaryDirectory { folder in
            let store = try openTestStore(in: folder)
            #expect(try await store.setting("admin_token_hash") == nil)
            try await store.setSetting("admin_token_hash", value: "abc")
            try await store.setSetting("admin_token_hash", value: "def")
            #expect(try await store.setting("admin_token_hash") == "def")
            try await store.close()
        }
    }

    @Test("everything written survives closing and reopening, and a closed store refuses work")
    func persistenceAcrossReopen() async throws {
        try await withTemporaryDirectory { folder in
            let store = try openTestStore(in: folder)
            let keys = SQLiteStoreKeyTests.keysWithEveryCondition()
            let token = Self.token()
            _ = try await store.insertKeys(keys)
            try await store.insertToken(token)
            try await store.write(Self.batch(for: keys[0], token: token, hour: Self.currentHour))
            try await store.setSetting("admin_token_hash", value: "abc")
            let before = try await store.loadSnapshot()
            try await store.close()
            try await store.close()  // a second close is harmless

            await #expect(throws: StoreError.self) { try await store.loadSnapshot() }
            await #expect(throws: StoreError.self) { try await store.setSetting("x", value: "y") }

            let reopened = try openTestStore(in: folder)
            let after = try await reopened.loadSnapshot()
            #expect(after.keys == before.keys)
            #expect(after.keyStats == before.keyStats)
            #expect(after.tokens == before.tokens)
            #expect(after.globalStats == before.globalStats)
            #expect(after.modelHours == before.modelHours)
            #expect(try await reopened.setting("admin_token_hash") == "abc")
            try await reopened.close()
        }
    }

    @Test("opening the same database again runs no migration twice and keeps its data")
    func migrationsAreIdempotent() async throws {
        try await withTemporaryDirectory { folder in
            let first = try openTestStore(in: folder)
            _ = try await first.insertKeys([makeKey("sk-1")])
            try await first.close()

            for _ in 0..<2 {
                let again = try openTestStore(in: folder)
                #expect(try await again.loadSnapshot().keys.map(\.secret) == ["sk-1"])
                try await again.close()
            }
        }
    }

    @Test("a file that is not an SQLite database fails to open with a StoreError")
    func notADatabase() async throws {
        try await withTemporaryDirectory { folder in
            try Data(repeating: 0x42, count: 4096).write(to: URL(fileURLWithPath: databasePath(in: folder)))
            let error = #expect(throws: StoreError.self) { try openTestStore(in: folder) }
            #expect(error?.description.contains("SQLite database") == true)
        }
    }
}
