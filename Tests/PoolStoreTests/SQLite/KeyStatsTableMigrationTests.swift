import Foundation
import GRDB
import PoolCore
import PoolStore
import Testing

/// `v13-key-stats-without-rowid` rebuilds the per-key counters keyed by the key's id: every counter survives, the
/// revision index and the cascade from `keys` stay, and flushes in any order add to the right rows.
@Suite("SQLite store: per-key counters keyed by key id")
struct KeyStatsTableMigrationTests {
    static let keys = ["sk-ks-0003", "sk-ks-0001", "sk-ks-0002"].map { makeKey($0) }

    static func stats(_ id: String, requests: Int) -> KeyStatsRecord {
        KeyStatsRecord(
            keyID: id, requests: requests, successes: requests - 1, failures: 1, latencyMillisSum: requests * 100,
            promptTokens: 7, completionTokens: 9, lastUsed: referenceDate, lastSuccess: referenceDate,
            lastFailure: referenceDate.addingTimeInterval(-60))
    }

    /// The table as `v1-initial` and `v6-key-stats-revision` made it, with the rows it had.
    static func backToTheRowidTable(at path: String) async throws {
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE key_stats_old (
                        key_id TEXT PRIMARY KEY NOT NULL REFERENCES keys(id) ON DELETE CASCADE,
                        requests INTEGER NOT NULL DEFAULT 0, successes INTEGER NOT NULL DEFAULT 0,
                        failures INTEGER NOT NULL DEFAULT 0, latency_ms_sum INTEGER NOT NULL DEFAULT 0,
                        prompt_tokens INTEGER NOT NULL DEFAULT 0, completion_tokens INTEGER NOT NULL DEFAULT 0,
                        last_used REAL, last_success REAL, last_failure REAL, rev INTEGER NOT NULL DEFAULT 0);
                    INSERT INTO key_stats_old SELECT * FROM key_stats;
                    DROP TABLE key_stats;
                    ALTER TABLE key_stats_old RENAME TO key_stats;
                    CREATE INDEX key_stats_by_rev ON key_stats(rev);
                    DELETE FROM grdb_migrations WHERE identifier = 'v13-key-stats-without-rowid';
                    """)
        }
        try queue.close()
    }

    static func schema(at path: String) async throws -> (table: String, indexes: Set<String>) {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try await queue.read { db in
            let table = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'key_stats'") ?? ""
            let indexes = try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'key_stats'")
            return (table, Set(indexes))
        }
    }

    @Test("counters written before the migration survive it; later flushes add to them, a deleted key's go")
    func countersSurviveAndCountOn() async throws {
        try await withTemporaryDirectory { folder in
            let path = databasePath(in: folder)
            let store = try openTestStore(in: folder)
            _ = try await store.insertKeys(Self.keys)
            let ids = Self.keys.map(\.id)
            let before = ids.enumerated().map { Self.stats($0.element, requests: 10 + $0.offset) }
            try await store.write(StatsBatch(keyStats: before))
            try await store.close()
            try await Self.backToTheRowidTable(at: path)
            #expect(try await Self.schema(at: path).table.contains("WITHOUT ROWID") == false)

            let reopened = try openTestStore(in: folder)
            let migrated = try await reopened.loadSnapshot().keyStats
            #expect(Dictionary(uniqueKeysWithValues: migrated.map { ($0.keyID, $0) }) == Dictionary(
                uniqueKeysWithValues: before.map { ($0.keyID, $0) }))
            let schema = try await Self.schema(at: path)
            #expect(schema.table.contains("WITHOUT ROWID"))
            #expect(schema.indexes == ["key_stats_by_rev"])

            // In both orders, and a key the store does not have (deleted since the batch was collected).
            for order in [ids.sorted(), ids.sorted().reversed()] {
                try await reopened.write(
                    StatsBatch(
                        keyStats: order.map { KeyStatsRecord(keyID: $0, requests: 1) } + [
                            KeyStatsRecord(keyID: "k_gone", requests: 1)
                        ]))
            }
            let counted = try await reopened.loadSnapshot().keyStats
            #expect(
                Dictionary(uniqueKeysWithValues: counted.map { ($0.keyID, $0.requests) })
                    == [ids[0]: 12, ids[1]: 13, ids[2]: 14])
            try await reopened.deleteKeys(ids: [ids[0]])
            #expect(try await reopened.loadSnapshot().keyStats.map(\.keyID).sorted() == [ids[1], ids[2]].sorted())
            try await reopened.close()

            let check = try DatabaseQueue(path: path)
            let rows = try await check.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM key_stats") }
            try check.close()
            #expect(rows == 2)
        }
    }
}
