import Foundation
import GRDB
import PoolCore

/// Reading back the shared totals (see `PoolStore.sharedTotals`): with one process they equal what it counted;
/// with several on one file (or a CLI run) they add the others' flushed traffic.
///
/// Per-key counters are read back only when another writer stamped statistics after the revision asked about
/// (or the change log no longer reaches back to it): rows only this store object wrote equal what it flushed, and
/// with a large pool they are nearly every key at every key-counter flush.
extension SQLiteStore {
    public func sharedTotals(
        keysChangedAfter revision: Int64, hoursSince: Int, keyStats: @escaping @Sendable ([KeyStatsRecord]) -> Void
    ) async throws -> SharedTotals {
        try checkOpen()
        return try await pool.read { db in
            var totals = SharedTotals(
                revision: try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(rev) FROM change_log")) ?? 0)
            let othersWrote = try Bool.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT EXISTS (SELECT 1 FROM change_log WHERE rev > ?1 AND rev <= ?2 AND kind = ?3
                                                                 AND origin <> ?4)
                            OR NOT EXISTS (SELECT 1 FROM change_log WHERE rev <= ?1)
                        """), arguments: [revision, totals.revision, ChangeKind.stats, origin])
            if othersWrote ?? true {
                try Self.readKeyStats(changedAfter: revision, upTo: totals.revision, db, pages: keyStats)
            }
            let tokenRows = try Row.fetchCursor(
                db.cachedStatement(sql: "SELECT id, request_count FROM client_tokens"))
            while let row = try tokenRows.next() { totals.tokenCounts[row[0]] = row[1] }
            totals.globalStats = try Self.loadGlobalStats(db)
            totals.modelHours = try Self.loadModelHours(since: hoursSince, db)
            return totals
        }
    }

    private static func readKeyStats(
        changedAfter revision: Int64, upTo current: Int64, _ db: Database, pages keyStats: ([KeyStatsRecord]) -> Void
    ) throws {
        let keyRows = try Row.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT key_id, requests, successes, failures, latency_ms_sum, prompt_tokens, completion_tokens,
                           last_used, last_success, last_failure
                    FROM key_stats WHERE rev > ? AND rev <= ?
                    """), arguments: [revision, current])
        var page: [KeyStatsRecord] = []
        while let row = try keyRows.next() {
            if page.count == SharedTotals.keyStatsPageSize {
                keyStats(page)
                page.removeAll(keepingCapacity: true)
            }
            page.append(
                KeyStatsRecord(
                    keyID: row[0], requests: row[1], successes: row[2], failures: row[3],
                    latencyMillisSum: row[4], promptTokens: row[5], completionTokens: row[6],
                    lastUsed: StoreColumns.date(row[7]), lastSuccess: StoreColumns.date(row[8]),
                    lastFailure: StoreColumns.date(row[9])))
        }
        if !page.isEmpty { keyStats(page) }
    }
}
