import Foundation
import GRDB
import PoolCore
import PoolStore
import Testing

@Suite("SQLite store: reading back the shared totals")
struct SQLiteSharedTotalsTests {
    @Test("own key statistics are read back when the change log no longer reaches the revision asked about")
    func prunedChangeLog() async throws {
        try await withTemporaryDirectory { folder in
            let store = try openTestStore(in: folder)
            let key = makeKey("sk-pruned-0001")
            _ = try await store.insertKeys([key])
            let start = try await store.revision()
            try await store.write(StatsBatch(keyStats: [KeyStatsRecord(keyID: key.id, requests: 3)]))
            #expect(try await store.sharedTotals(keysChangedAfter: start, hoursSince: 0).keyStats.isEmpty)

            // What another writer did after `start` may have been pruned with it: nothing proves it was only this one.
            let queue = try DatabaseQueue(path: databasePath(in: folder))
            try await queue.write { db in
                try db.execute(sql: "DELETE FROM change_log WHERE rev <= ?", arguments: [start])
            }
            try queue.close()
            let read = try await store.sharedTotals(keysChangedAfter: start, hoursSince: 0)
            #expect(read.keyStats.map(\.keyID) == [key.id])
            #expect(read.keyStats.first?.requests == 3)
            try await store.close()
        }
    }

    @Test("a writer keeps only its latest statistics entry in the change log; another writer's stays")
    func latestStatsEntryOnly() async throws {
        try await withTemporaryDirectory { folder in
            let a = try openTestStore(in: folder)
            let b = try openTestStore(in: folder)
            let key = makeKey("sk-stamp-0001")
            _ = try await a.insertKeys([key])
            let start = try await a.revision()
            try await b.write(StatsBatch(keyStats: [KeyStatsRecord(keyID: key.id, requests: 1)]))
            for _ in 0..<5 { try await a.write(StatsBatch(keyStats: [KeyStatsRecord(keyID: key.id, requests: 1)])) }
            let queue = try DatabaseQueue(path: databasePath(in: folder))
            let stamps = try await queue.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM change_log WHERE kind = 'stats'")
            }
            try queue.close()
            #expect(stamps == 2)
            // B's entry, older than A's latest, still tells A that someone else wrote after `start`.
            let read = try await a.sharedTotals(keysChangedAfter: start, hoursSince: 0)
            #expect(read.keyStats.first?.requests == 6)
            try await a.close()
            try await b.close()
        }
    }
}
