import Foundation
import PoolCore
import PoolStore
import Synchronization
import Testing

/// The stores the contract is checked against.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case memory, sqlite, postgres

    var testDescription: String { rawValue }

    /// The kinds this run can check: PostgreSQL only when `scripts/test` started a server for the tests
    /// (`PostgresStoreTests` shows the skip note otherwise).
    static var tested: [StoreKind] {
        PostgresTestServer.isAvailable ? allCases : allCases.filter { $0 != .postgres }
    }

    /// Runs `body` with a fresh, empty store of this kind and closes it afterwards.
    func withStore(_ body: (any PoolStore) async throws -> Void) async throws {
        switch self {
        case .memory:
            let store = InMemoryStore()
            try await body(store)
            try await store.close()
        case .sqlite:
            try await withTemporaryDirectory { folder in
                let store = try openTestStore(in: folder)
                try await body(store)
                try await store.close()
            }
        case .postgres:
            try await PostgresTestServer.withDatabase { settings in
                let store = try await PostgresStore(
                    settings: settings, cipher: PostgresTestServer.cipher, logger: testLogger)
                try await body(store)
                try await store.close()
            }
        }
    }
}

/// What every `PoolStore` promises, checked on each implementation, so tests that run on the in-memory store
/// say something about the SQLite and PostgreSQL ones.
@Suite("Every store: the PoolStore contract")
struct StoreContractTests {
    @Test("keys in every condition load back as inserted, in insertion order", arguments: StoreKind.tested)
    func keysRoundTrip(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let keys = SQLiteStoreKeyTests.keysWithEveryCondition()
            let inserted = try await store.insertKeys(keys)
            #expect(inserted == Set(keys.map(\.id)))
            #expect(try await store.loadSnapshot().keys == keys)
        }
    }

    @Test(
        "a provider and secret is stored once, the same secret under another provider again",
        arguments: StoreKind.tested)
    func duplicateSecrets(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let original = makeKey("sk-twice")
            _ = try await store.insertKeys([original])
            let repeated = [
                makeKey("sk-twice"), makeKey("sk-twice", provider: .openrouter), makeKey("sk-a"), makeKey("sk-a"),
            ]
            #expect(try await store.insertKeys(repeated) == [repeated[1].id, repeated[2].id])
            #expect(try await store.loadSnapshot().keys.map(\.id) == [original.id, repeated[1].id, repeated[2].id])
        }
    }

    @Test("a batch with a key id already stored is refused as a whole", arguments: StoreKind.tested)
    func takenIDRefusesTheBatch(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let first = makeKey("sk-first")
            _ = try await store.insertKeys([first])
            var clash = makeKey("sk-other")
            clash.id = first.id
            await #expect(throws: (any Error).self) { try await store.insertKeys([makeKey("sk-fresh"), clash]) }
            #expect(try await store.loadSnapshot().keys == [first])
        }
    }

    @Test(
        "a deleted key goes with its statistics, its secret can be stored again, unknown ids are ignored",
        arguments: StoreKind.tested)
    func deletingKeys(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let doomed = makeKey("sk-doomed")
            let kept = makeKey("sk-kept")
            _ = try await store.insertKeys([doomed, kept])
            try await store.write(
                StatsBatch(keyStats: [doomed, kept].map { KeyStatsRecord(keyID: $0.id, requests: 2) }))
            try await store.deleteKeys(ids: [doomed.id, "k_never"])
            let snapshot = try await store.loadSnapshot()
            #expect(snapshot.keys == [kept])
            #expect(snapshot.keyStats.map(\.keyID) == [kept.id])
            #expect(try await store.insertKeys([makeKey("sk-doomed")]).count == 1)
        }
    }

    @Test("health and profile updates change known keys only", arguments: StoreKind.tested)
    func updatingKeys(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let key = makeKey("sk-updated")
            _ = try await store.insertKeys([key])
            let health = KeyHealth(condition: .invalid(reason: "upstream answered 401"), consecutiveFailures: 3)
            let credit = KeyCredit(label: "main", limit: 5, usage: 1, limitRemaining: 4, checkedAt: referenceDate)
            try await store.updateKeyHealth([
                KeyHealthRecord(keyID: key.id, health: health), KeyHealthRecord(keyID: "k_gone", health: health),
            ])
            try await store.updateKeyProfiles([
                KeyProfileRecord(keyID: key.id, models: ["qwen3:8b"], category: "qwen", credit: credit),
                KeyProfileRecord(keyID: "k_gone", models: ["x"], category: nil),
            ])
            var expected = key
            expected.health = health
            expected.models = ["qwen3:8b"]
            expected.category = "qwen"
            expected.credit = credit
            #expect(try await store.loadSnapshot().keys == [expected])
        }
    }

    @Test(
        "a stats batch adds its increments once per batch id and skips keys and tokens that are gone",
        arguments: StoreKind.tested)
    func statsBatches(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let key = makeKey("sk-counted")
            let token = SQLiteStoreStateTests.token()
            _ = try await store.insertKeys([key])
            try await store.insertToken(token)
            var batch = SQLiteStoreStateTests.batch(for: key, token: token, hour: SQLiteStoreStateTests.currentHour)
            batch.keyStats.append(KeyStatsRecord(keyID: "k_gone", requests: 9))
            batch.tokenRequestCounts.append(TokenCount(tokenID: "tok_gone", requestCount: 9))
            try await store.write(batch)
            try await store.write(batch)  // a retry after an unknown outcome: the same id counts once
            let snapshot = try await store.loadSnapshot()
            #expect(snapshot.keyStats == [batch.keyStats[0]])
            #expect(snapshot.keys.map(\.health) == batch.keyHealth.map(\.health))
            #expect(snapshot.tokens.map(\.requestCount) == [42])
            #expect(snapshot.globalStats == batch.globalStats)
            #expect(snapshot.modelHours == batch.modelHours)

            // Another instance's increments for the same rows add up; the later date wins.
            var other = SQLiteStoreStateTests.batch(for: key, token: token, hour: SQLiteStoreStateTests.currentHour)
            other.keyStats[0].lastUsed = referenceDate.addingTimeInterval(60)
            other.keyStats[0].lastSuccess = nil
            try await store.write(other)
            let added = try await store.loadSnapshot()
            var expected = batch.keyStats[0]
            expected.requests *= 2
            expected.successes *= 2
            expected.failures *= 2
            expected.latencyMillisSum *= 2
            expected.promptTokens *= 2
            expected.completionTokens *= 2
            expected.lastUsed = other.keyStats[0].lastUsed
            #expect(added.keyStats == [expected])
            #expect(added.tokens.map(\.requestCount) == [84])
            #expect(added.globalStats.map(\.requests) == [20])
            #expect(added.modelHours.map(\.requests) == [20])
        }
    }

    @Test(
        "request results by category and refusal reason round-trip; no model and a model named unknown stay apart",
        arguments: StoreKind.tested)
    func requestResultsRoundTrip(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let hour = SQLiteStoreStateTests.currentHour
            let totals = [
                GlobalStatsRecord(
                    provider: .ollama, requests: 20, successes: 9, failures: 11, clientErrors: 3, upstreamFailures: 2,
                    refusals: [.auth: 1, .noKey: 4, .limits: 1]),
                GlobalStatsRecord(provider: .openrouter, requests: 1, successes: 1),
            ]
            let hours = [
                ModelHourRecord(
                    provider: .ollama, model: ModelHourRecord.noModel, hourStart: hour, requests: 3, successes: 0,
                    failures: 3, clientErrors: 2, upstreamFailures: 0, refused: 1),
                ModelHourRecord(
                    provider: .ollama, model: "unknown", hourStart: hour, requests: 4, successes: 2, failures: 2,
                    clientErrors: 0, upstreamFailures: 2, refused: 0),
            ]
            let batch = StatsBatch(globalStats: totals, modelHours: hours)
            try await store.write(batch)
            try await store.write(batch)
            let snapshot = try await store.loadSnapshot()
            #expect(snapshot.globalStats == totals)
            #expect(snapshot.modelHours.sorted { $0.model < $1.model } == hours)

            let increment = GlobalStatsRecord(provider: .ollama, requests: 1, failures: 1, refusals: [.overloaded: 1])
            try await store.write(StatsBatch(globalStats: [increment]))
            var later = totals[0]
            later.requests += 1
            later.failures += 1
            later.refusals[.overloaded] = 1
            #expect(try await store.loadSnapshot().globalStats == [later, totals[1]])
        }
    }

    @Test("model hours older than thirty days are not loaded", arguments: StoreKind.tested)
    func oldModelHours(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let recent = ModelHourRecord(
                provider: .ollama, model: "m", hourStart: SQLiteStoreStateTests.currentHour, requests: 1, successes: 1,
                failures: 0)
            var old = recent
            old.hourStart -= 31 * 86_400
            try await store.write(StatsBatch(modelHours: [recent, old]))
            #expect(try await store.loadSnapshot().modelHours == [recent])
        }
    }

    @Test(
        "tokens load by creation time, a second id or token hash is refused, and a token deletes once",
        arguments: StoreKind.tested)
    func tokens(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let later = ClientTokenRecord(
                id: "tok_a", name: "later", tokenHash: "h-later", prefix: "sk-l",
                createdAt: referenceDate.addingTimeInterval(5),
                expiresAt: nil, provider: nil)
            let earlier = SQLiteStoreStateTests.token("tok_b", hash: "h-earlier")
            try await store.insertToken(later)
            try await store.insertToken(earlier)
            #expect(try await store.loadSnapshot().tokens == [earlier, later])
            await #expect(throws: StoreError.self) {
                try await store.insertToken(SQLiteStoreStateTests.token("tok_c", hash: "h-later"))
            }
            await #expect(throws: StoreError.self) {
                try await store.insertToken(SQLiteStoreStateTests.token("tok_a", hash: "h-new"))
            }
            #expect(try await store.deleteToken(id: "tok_a"))
            #expect(try await !store.deleteToken(id: "tok_a"))
            #expect(try await store.loadSnapshot().tokens == [earlier])
        }
    }

    @Test("a setting is absent until set, and the last value wins", arguments: StoreKind.tested)
    func settings(kind: StoreKind) async throws {
        try await kind.withStore { store in
            #expect(try await store.setting("admin_token_hash") == nil)
            try await store.setSetting("admin_token_hash", value: "first")
            try await store.setSetting("admin_token_hash", value: "second")
            #expect(try await store.setting("admin_token_hash") == "second")
        }
    }

    @Test(
        "with keyBatches, keys and their statistics arrive in batches and stay out of the snapshot",
        arguments: StoreKind.tested)
    func keyBatches(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let keys = (0..<2_500).map { makeKey("sk-batch-\($0)") }
            _ = try await store.insertKeys(keys)
            try await store.write(StatsBatch(keyStats: [KeyStatsRecord(keyID: keys[2_000].id, requests: 7)]))
            let received = Mutex<(keys: [String], stats: [String], batches: Int)>(([], [], 0))
            let snapshot = try await store.loadSnapshot { batch, stats in
                received.withLock { received in
                    received.keys += batch.map(\.id)
                    received.stats += stats.map(\.keyID)
                    received.batches += 1
                }
            }
            #expect(snapshot.keys.isEmpty && snapshot.keyStats.isEmpty)
            let (ids, statIDs, batches) = received.withLock { $0 }
            #expect(ids == keys.map(\.id))
            #expect(statIDs == [keys[2_000].id])
            #expect(batches == 3)
        }
    }

    @Test("a closed store refuses work, and closing twice is harmless", arguments: StoreKind.tested)
    func closing(kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.close()
            await #expect(throws: StoreError.self) { try await store.loadSnapshot() }
            await #expect(throws: StoreError.self) { try await store.insertKeys([makeKey("sk-late")]) }
            await #expect(throws: StoreError.self) { try await store.setting("x") }
        }
    }
}
