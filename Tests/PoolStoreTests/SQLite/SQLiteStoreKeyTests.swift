import Foundation
import PoolCore
import PoolStore
import Testing

@Suite("SQLite store: keys")
struct SQLiteStoreKeyTests {
    /// One key per condition, with every optional field set somewhere.
    static func keysWithEveryCondition() -> [KeyRecord] {
        let now = millisecondNow()
        let conditions: [KeyCondition] = [
            .active,
            .cooling(until: now.addingTimeInterval(60), reason: "rate limited (429)"),
            .disabled(until: referenceDate.addingTimeInterval(3600.5), reason: "3 consecutive failures: timeout"),
            .disabled(until: nil, reason: "disabled by admin"),
            .invalid(reason: "upstream answered 401"),
        ]
        return conditions.enumerated().map { index, condition in
            KeyRecord(
                provider: index.isMultiple(of: 2) ? .ollama : .openrouter,
                secret: "sk-secret-\(index)",
                username: index == 1 ? "alice" : nil,
                createdAt: now.addingTimeInterval(Double(index)),
                expiresAt: index == 2 ? referenceDate.addingTimeInterval(86_400) : nil,
                health: KeyHealth(
                    condition: condition, consecutiveFailures: index, consecutiveRateLimits: index * 2,
                    failureDisables: index * 3),
                models: index == 3 ? ["llama3.2:3b", "qwen3:8b", "name \"quoted\""] : [],
                category: index == 4 ? "paid" : nil)
        }
    }

    @Test("keys with every condition come back exactly as inserted", arguments: [false, true])
    func keysRoundTrip(encrypted: Bool) async throws {
        try await withTemporaryDirectory { folder in
            let store = try openTestStore(in: folder, cipher: encrypted ? SecretCipher(passphrase: "p") : nil)
            let keys = Self.keysWithEveryCondition()
            let inserted = try await store.insertKeys(keys)
            #expect(inserted == Set(keys.map(\.id)))
            #expect(try await store.loadSnapshot().keys == keys)
            try await store.close()
        }
    }

    @Test("any date, even one with sub-millisecond digits, comes back within a microsecond")
    func datesKeepSubMillisecondPrecision() async throws {
        try await withTemporaryDirectory { folder in
            let store = try openTestStore(in: folder)
            let now = Date()
            let key = makeKey("sk-now", health: KeyHealth(condition: .cooling(until: now, reason: "r")))
            _ = try await store.insertKeys([key])
            let until = try #require(try await store.loadSnapshot().keys.first?.health.condition.endsAt)
            #expect(abs(until.timeIntervalSince(now)) < 0.000_001)
            try await store.close()
        }
    }

    @Test("a duplicate provider and secret is skipped, while the same secret under another provider is not")
    func duplicatesAreSkippedPerProvider() async throws {
        try await withTemporaryDirectory { folder in
            let store = try openTestStore(in: folder)
            let first = makeKey("sk-shared")
            #expect(try await store.insertKeys([first]) == [first.id])

            let again = makeKey("sk-shared")
            let otherProvider = makeKey("sk-shared", provider: .openrouter)
            let inBatchTwice = [makeKey("sk-new"), makeKey("sk-new")]
            let inserted = try await store.insertKeys([again, otherProvider] + inBatchTwice)
            #expect(inserted == [otherProvider.id, inBatchTwice[0].id])

            let stored = try await store.loadSnapshot().keys
            #expect(stored.map(\.id) == [first.id, otherProvider.id, inBatchTwice[0].id])
            try await store.close()
        }
    }

    @Test("one hundred thousand keys insert in a single call")
    func oneHundredThousandKeys() async throws {
        try await withTemporaryDirectory { folder in
            let store = try openTestStore(in: folder)
            let keys = (0..<100_000).map { makeKey("sk-bulk-\($0)") }
            let inserted = try await store.insertKeys(keys)
            #expect(inserted.count == 100_000)
            #expect(try await store.insertKeys(Array(keys.prefix(10))).isEmpty)
            let snapshot = try await store.loadSnapshot()
            #expect(snapshot.keys.count == 100_000)
            #expect(snapshot.keys.last?.secret == "sk-bulk-99999")
            try await store.close()
        }
    }

    @Test("deleting keys removes them with their statistics and ignores unknown ids")
    func deletingKeys() async throws {
        try await withTemporaryDirectory { folder in
            let store = try openTestStore(in: folder)
            let keys = (0..<1_200).map { makeKey("sk-\($0)") }
            _ = try await store.insertKeys(keys)
            try await store.write(StatsBatch(keyStats: keys.map { KeyStatsRecord(keyID: $0.id, requests: 1) }))

            // More ids than one IN list holds, plus ids that never existed.
            let doomed = keys.prefix(1_100).map(\.id) + ["k_unknown", "k_other"]
            try await store.deleteKeys(ids: doomed)

            let snapshot = try await store.loadSnapshot()
            #expect(snapshot.keys.map(\.id) == keys.suffix(100).map(\.id))
            #expect(Set(snapshot.keyStats.map(\.keyID)) == Set(keys.suffix(100).map(\.id)))
            try await store.close()
        }
    }

    @Test("updating key health replaces condition and counters and ignores unknown keys")
    func updatingKeyHealth() async throws {
        try await withTemporaryDirectory { folder in
            let store = try openTestStore(in: folder)
            let key = makeKey("sk-health")
            _ = try await store.insertKeys([key])
            let health = KeyHealth(
                condition: .cooling(until: millisecondNow().addingTimeInterval(30), reason: "out of credit (402)"),
                consecutiveFailures: 1, consecutiveRateLimits: 4, failureDisables: 2)
            try await store.updateKeyHealth([
                KeyHealthRecord(keyID: key.id, health: health),
                KeyHealthRecord(keyID: "k_gone", health: KeyHealth()),
            ])
            #expect(try await store.loadSnapshot().keys.first?.health == health)

            try await store.updateKeyHealth([KeyHealthRecord(keyID: key.id, health: KeyHealth())])
            #expect(try await store.loadSnapshot().keys.first?.health == KeyHealth())
            try await store.close()
        }
    }
}
