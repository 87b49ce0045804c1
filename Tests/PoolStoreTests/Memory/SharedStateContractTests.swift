import Foundation
import PoolCore
import PoolStore
import Synchronization
import Testing

/// What several instances on one store rely on: published health merged by `KeyHealth.merge`'s rule in SQL as in
/// PoolCore, reaching the other writers' change feed, and the shared totals read back after a revision.
@Suite("Every store: shared health and totals for several instances")
struct SharedStateContractTests {
    /// Conditions that cover every rank of the merge rule, seen from `now`.
    private static func conditions(_ now: Date) -> [KeyHealth] {
        [
            KeyHealth(),
            KeyHealth(consecutiveFailures: 2),
            KeyHealth(condition: .cooling(until: now.addingTimeInterval(-60), reason: "ended")),
            KeyHealth(condition: .cooling(until: now.addingTimeInterval(120), reason: "rate limited (429)")),
            KeyHealth(condition: .cooling(until: now.addingTimeInterval(900), reason: "out of credit (402)")),
            KeyHealth(condition: .disabled(until: now.addingTimeInterval(600), reason: "3 consecutive failures")),
            KeyHealth(condition: .disabled(until: nil, reason: KeyHealth.adminDisableReason)),
            KeyHealth(condition: .invalid(reason: "upstream answered 401")),
        ]
    }

    @Test("published health is merged in the store exactly as KeyHealth.merge says", arguments: StoreKind.tested)
    func mergeMatchesPoolCore(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let now = Date(timeIntervalSince1970: (Date().timeIntervalSince1970).rounded())
            let conditions = Self.conditions(now)
            var pairs: [(key: KeyRecord, offered: KeyHealth, expected: KeyHealth)] = []
            for (index, stored) in conditions.enumerated() {
                for offered in conditions {
                    var expected = stored
                    expected.merge(offered, at: now)
                    pairs.append((makeKey("sk-merge-\(index)-\(pairs.count)", health: stored), offered, expected))
                }
            }
            _ = try await store.insertKeys(pairs.map(\.key))
            try await store.write(
                StatsBatch(keyHealth: pairs.map { KeyHealthRecord(keyID: $0.key.id, health: $0.offered) }))
            let loaded = Dictionary(
                uniqueKeysWithValues: try await store.loadSnapshot().keys.map { ($0.id, $0.health) })
            for pair in pairs {
                #expect(loaded[pair.key.id] == pair.expected, "stored \(pair.key.health), offered \(pair.offered)")
            }
        }
    }

    @Test(
        "health one writer publishes reaches the other's feed merged; a late shorter cooldown changes nothing",
        arguments: SharedStore.allCases.filter(\.isTested))
    func publishedHealthInFeed(kind: SharedStore) async throws {
        try await kind.withTwoWriters { a, b in
            let key = makeKey("sk-health-feed-0001")
            _ = try await a.insertKeys([key])
            let start = try await a.revision()
            let long = KeyHealth(
                condition: .cooling(until: millisecondNow().addingTimeInterval(600), reason: "rate limited (429)"))
            try await b.write(StatsBatch(keyHealth: [KeyHealthRecord(keyID: key.id, health: long)]))
            let seen = try await a.changes(after: start)
            #expect(seen.health.map(\.keyID) == [key.id])
            #expect(seen.health.first?.health.condition.endsAt == long.condition.endsAt)
            #expect(seen.keys.isEmpty)
            #expect(try await b.changes(after: start).health.isEmpty)  // a writer's own changes are left out

            // A's late traffic: a shorter cooldown and a stale success change nothing, so nothing is logged.
            let short = KeyHealth(
                condition: .cooling(until: millisecondNow().addingTimeInterval(30), reason: "rate limited (429)"))
            try await a.write(StatsBatch(keyHealth: [KeyHealthRecord(keyID: key.id, health: short)]))
            try await a.write(StatsBatch(keyHealth: [KeyHealthRecord(keyID: key.id, health: KeyHealth())]))
            #expect(try await b.changes(after: seen.revision).health.isEmpty)
            #expect(try await b.loadSnapshot().keys.first?.health == long)
        }
    }

    @Test(
        "health decided before an admin's change reaches the store late: it undoes neither an enable nor a disable",
        arguments: StoreKind.tested)
    func staleDecisionAfterReplacement(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let key = makeKey("sk-stale-0001")
            _ = try await store.insertKeys([key])
            let now = millisecondNow()
            let cooling = KeyHealth(
                condition: .cooling(until: now.addingTimeInterval(600), reason: "rate limited (429)"))
            let health: () async throws -> KeyHealth? = { try await store.loadSnapshot().keys.first?.health }

            // An instance's 429 a few seconds ago, published after an admin enabled the key (a retried batch, a
            // publisher back from an outage): the enable stands.
            try await store.updateKeyHealth([KeyHealthRecord(keyID: key.id, health: KeyHealth())])
            let stalePenalty = KeyHealthRecord(keyID: key.id, health: cooling, decidedAt: now.addingTimeInterval(-5))
            try await store.write(StatsBatch(keyHealth: [stalePenalty]))
            #expect(try await health() == KeyHealth())

            // A probe's lift decided before an admin's disable, written late, does not enable the key again.
            let disabled = KeyHealth(condition: .disabled(until: nil, reason: KeyHealth.adminDisableReason))
            try await store.updateKeyHealth([KeyHealthRecord(keyID: key.id, health: disabled)])
            try await store.updateKeyHealth([
                KeyHealthRecord(keyID: key.id, health: KeyHealth(), decidedAt: now.addingTimeInterval(-5))
            ])
            #expect(try await health() == disabled)

            // Decisions made after the last replacement apply as before.
            try await store.updateKeyHealth([KeyHealthRecord(keyID: key.id, health: KeyHealth())])
            let later = KeyHealthRecord(keyID: key.id, health: cooling, decidedAt: Date().addingTimeInterval(1))
            try await store.write(StatsBatch(keyHealth: [later]))
            #expect(try await health() == cooling)
            let lift = KeyHealthRecord(keyID: key.id, health: KeyHealth(), decidedAt: Date().addingTimeInterval(2))
            try await store.updateKeyHealth([lift])
            #expect(try await health() == KeyHealth())
        }
    }

    @Test(
        "shared totals: every writer's counters, per key only those changed after the revision asked about",
        arguments: SharedStore.allCases.filter(\.isTested))
    func sharedTotals(kind: SharedStore) async throws {
        try await kind.withTwoWriters { a, b in
            let first = makeKey("sk-totals-0001")
            let second = makeKey("sk-totals-0002")
            _ = try await a.insertKeys([first, second])
            try await a.insertToken(
                ClientTokenRecord(
                    id: "tok_t", name: "t", tokenHash: "hash-t", prefix: "sk-t", createdAt: referenceDate,
                    expiresAt: nil, provider: nil))
            let start = try await a.revision()
            try await a.write(
                StatsBatch(
                    keyStats: [KeyStatsRecord(keyID: first.id, requests: 3, successes: 3)],
                    tokenRequestCounts: [TokenCount(tokenID: "tok_t", requestCount: 3)],
                    globalStats: [GlobalStatsRecord(provider: .ollama, requests: 3, successes: 3)]))
            try await b.write(
                StatsBatch(
                    keyStats: [
                        KeyStatsRecord(keyID: first.id, requests: 2, failures: 2),
                        KeyStatsRecord(keyID: second.id, requests: 1, successes: 1),
                    ],
                    tokenRequestCounts: [TokenCount(tokenID: "tok_t", requestCount: 3)],
                    globalStats: [GlobalStatsRecord(provider: .ollama, requests: 3, successes: 1, failures: 2)]))
            let totals = try await a.sharedTotals(keysChangedAfter: start, hoursSince: 0)
            let byKey = Dictionary(uniqueKeysWithValues: totals.keyStats.map { ($0.keyID, $0) })
            #expect(byKey[first.id]?.requests == 5 && byKey[first.id]?.failures == 2)
            #expect(byKey[second.id]?.requests == 1)
            #expect(totals.tokenCounts == ["tok_t": 6])
            #expect(totals.globalStats.first { $0.provider == .ollama }?.requests == 6)

            try await a.write(StatsBatch(keyStats: [KeyStatsRecord(keyID: second.id, requests: 4)]))
            let next = try await b.sharedTotals(keysChangedAfter: totals.revision, hoursSince: 0)
            #expect(next.keyStats.map(\.keyID) == [second.id])
            #expect(next.keyStats.first?.requests == 5)
            #expect(next.revision > totals.revision)
            #expect(try await a.sharedTotals(keysChangedAfter: next.revision, hoursSince: 0).keyStats.isEmpty)
        }
    }

    @Test(
        "a writer's own key statistics are not read back; once another writer's are, every changed key is",
        arguments: SharedStore.allCases.filter(\.isTested))
    func ownKeyStatsNotReadBack(kind: SharedStore) async throws {
        try await kind.withTwoWriters { a, b in
            let keys = [makeKey("sk-own-0001"), makeKey("sk-own-0002")]
            _ = try await a.insertKeys(keys)
            let start = try await a.revision()
            try await a.write(StatsBatch(keyStats: [KeyStatsRecord(keyID: keys[0].id, requests: 2)]))
            let own = try await a.sharedTotals(keysChangedAfter: start, hoursSince: 0)
            #expect(own.keyStats.isEmpty)
            #expect(own.revision > start)
            let seenByB = try await b.sharedTotals(keysChangedAfter: start, hoursSince: 0)
            #expect(seenByB.keyStats.map(\.keyID) == [keys[0].id])

            // After B's write, A reads every key changed since `start`, its own too: a row holds both writers' counts.
            try await b.write(StatsBatch(keyStats: [KeyStatsRecord(keyID: keys[1].id, requests: 1)]))
            let mixed = try await a.sharedTotals(keysChangedAfter: start, hoursSince: 0)
            #expect(Set(mixed.keyStats.map(\.keyID)) == Set(keys.map(\.id)))
            #expect(try await a.sharedTotals(keysChangedAfter: mixed.revision, hoursSince: 0).keyStats.isEmpty)
        }
    }

    @Test(
        "shared totals hand the key statistics out in pages, every changed key once",
        arguments: SharedStore.allCases.filter(\.isTested))
    func sharedTotalsInPages(kind: SharedStore) async throws {
        try await kind.withTwoWriters { a, b in
            let count = SharedTotals.keyStatsPageSize + 1_000
            let keys = (0..<count).map { makeKey("sk-paged-\($0)") }
            _ = try await a.insertKeys(keys)
            let start = try await b.revision()
            try await a.write(StatsBatch(keyStats: keys.map { KeyStatsRecord(keyID: $0.id, requests: 2) }))
            let pages = Mutex<[[KeyStatsRecord]]>([])
            let totals = try await b.sharedTotals(keysChangedAfter: start, hoursSince: 0) { page in
                pages.withLock { $0.append(page) }
            }
            let read = pages.withLock { $0 }
            #expect(read.map(\.count).sorted() == [1_000, SharedTotals.keyStatsPageSize])
            #expect(Set(read.joined().map(\.keyID)) == Set(keys.map(\.id)))
            #expect(read.joined().allSatisfy { $0.requests == 2 })
            #expect(totals.keyStats.isEmpty)
        }
    }
}

/// The stores two writers can share: two objects on one SQLite file or one PostgreSQL database.
enum SharedStore: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    var testDescription: String { rawValue }

    var isTested: Bool { self == .sqlite || PostgresTestServer.isAvailable }

    func withTwoWriters(_ body: (any PoolStore, any PoolStore) async throws -> Void) async throws {
        switch self {
        case .sqlite:
            try await withTemporaryDirectory { folder in
                let a = try openTestStore(in: folder)
                let b = try openTestStore(in: folder)
                try await body(a, b)
                try await a.close()
                try await b.close()
            }
        case .postgres:
            try await PostgresTestServer.withDatabase { settings in
                let a = try await PostgresStore(
                    settings: settings, cipher: PostgresTestServer.cipher, logger: testLogger)
                let b = try await PostgresStore(
                    settings: settings, cipher: PostgresTestServer.cipher, logger: testLogger)
                try await body(a, b)
                try await a.close()
                try await b.close()
            }
        }
    }
}
