import Foundation
import GRDB
import Logging
import PoolCore
import Synchronization

/// Traffic batches: what the flusher writes every second.
extension SQLiteStore {
    /// How long a batch id is remembered: far longer than any retry of a flush.
    static let appliedBatchRetention: TimeInterval = 86_400

    /// Writes a traffic batch in one transaction: counters are added to the stored totals, once per batch id
    /// (`applied_batches`); rows about keys or tokens that were deleted meanwhile are skipped instead of failing
    /// the batch.
    public func write(_ batch: StatsBatch) async throws {
        try checkOpen()
        guard !batch.isEmpty else { return }
        let previousStamp = statsStamp.withLock { $0 }
        let stamp: Int64? = try await pool.write { [origin] db in
            let now = Date().timeIntervalSince1970
            try db.execute(
                sql: "INSERT INTO applied_batches (id, applied_at) VALUES (?, ?) ON CONFLICT(id) DO NOTHING",
                arguments: [batch.id, now])
            guard db.changesCount > 0 else { return nil }  // applied before: its commit outcome was unknown
            try db.execute(
                sql: "DELETE FROM applied_batches WHERE applied_at < ?", arguments: [now - Self.appliedBatchRetention])
            var stamp: Int64?
            if !batch.keyStats.isEmpty {
                let revision = try Self.logStatsStamp(origin: origin, replacing: previousStamp, db)
                try Self.writeKeyStats(batch.keyStats, revision: revision, db)
                stamp = revision
            }
            let merged = try Self.mergeHealth(batch.keyHealth, now: now, db)
            try Self.logChanges(ChangeKind.keyHealth, items: merged, origin: origin, db)
            if !batch.tokenRequestCounts.isEmpty {
                let statement = try db.cachedStatement(
                    sql: "UPDATE client_tokens SET request_count = request_count + ? WHERE id = ?")
                for count in batch.tokenRequestCounts {
                    try statement.execute(arguments: [count.requestCount, count.tokenID])
                }
            }
            try Self.writeGlobalStats(batch.globalStats, db)
            if !batch.modelHours.isEmpty {
                let statement = try db.cachedStatement(
                    sql: """
                        INSERT INTO model_hours (provider, model, hour_start, requests, successes, failures,
                                                 client_errors, upstream_failures, refused)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT(provider, model, hour_start) DO UPDATE SET
                            requests = requests + excluded.requests, successes = successes + excluded.successes,
                            failures = failures + excluded.failures,
                            client_errors = client_errors + excluded.client_errors,
                            upstream_failures = upstream_failures + excluded.upstream_failures,
                            refused = refused + excluded.refused
                        """)
                for hour in batch.modelHours {
                    try statement.execute(arguments: [
                        hour.provider.rawValue, hour.model, hour.hourStart, hour.requests, hour.successes,
                        hour.failures, hour.clientErrors, hour.upstreamFailures, hour.refused,
                    ])
                }
            }
            return stamp
        }
        // Only once committed: a batch that failed left the previous stamp in the log.
        if let stamp { statsStamp.withLock { $0 = stamp } }
    }

    /// Logs that `origin` stamps statistics under a new revision, which it returns: other instances read back the
    /// rows stamped after their last read, and only when another writer stamped some (`sharedTotals`). The writer's
    /// `previous` stamp goes: its latest one answers that question for any reader's window (a reader whose window
    /// held an older one either still sees it in its snapshot, or sees the newer one), and with statistics written
    /// every second (PostgreSQL) the change log, pruned by age only at start, would grow by one row a second. By its
    /// revision, so the delete is one lookup rather than a scan of the log.
    static func logStatsStamp(origin: String, replacing previous: Int64?, _ db: Database) throws -> Int64 {
        try logChange(ChangeKind.stats, item: "", origin: origin, db)
        let revision = db.lastInsertedRowID
        if let previous {
            try db.execute(
                sql: "DELETE FROM change_log WHERE rev = ? AND kind = ? AND origin = ?",
                arguments: [previous, ChangeKind.stats, origin])
        }
        return revision
    }

    /// Adds per-key counters to the stored ones and stamps the rows with `revision`. With a large pool this runs for
    /// nearly every key at each flush (`KEY_STATS_FLUSH_SECONDS`), so each row costs as little as it can: an UPDATE
    /// of the existing row first (a key has one from its first flush on), bound through SQLite's C API (GRDB's boxed
    /// arguments were a third of a row's cost), and only when no row changed the INSERT, which also looks the key
    /// up: a key deleted since the batch was collected is skipped instead of failing the batch on its foreign key.
    /// The UPDATE alone costs about half the INSERT … ON CONFLICT it replaces for an existing row. Rows go in key
    /// order, the table's own (`v13-key-stats-without-rowid`): neighbours share pages, so a large flush reads and
    /// dirties each page once.
    static func writeKeyStats(_ records: [KeyStatsRecord], revision: Int64, _ db: Database) throws {
        let addition = """
            requests = requests + ?2, successes = successes + ?3, failures = failures + ?4,
            latency_ms_sum = latency_ms_sum + ?5, prompt_tokens = prompt_tokens + ?6,
            completion_tokens = completion_tokens + ?7,
            last_used = coalesce(max(last_used, ?8), last_used, ?8),
            last_success = coalesce(max(last_success, ?9), last_success, ?9),
            last_failure = coalesce(max(last_failure, ?10), last_failure, ?10), rev = ?11
            """
        let update = RawWrite(
            try db.cachedStatement(sql: "UPDATE key_stats SET \(addition) WHERE key_id = ?1").sqliteStatement)
        defer { update.finish() }
        let insert = RawWrite(
            try db.cachedStatement(
                sql: """
                    INSERT INTO key_stats (key_id, requests, successes, failures, latency_ms_sum, prompt_tokens,
                                           completion_tokens, last_used, last_success, last_failure, rev)
                    SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11
                    WHERE EXISTS (SELECT 1 FROM keys WHERE id = ?1)
                    """
            ).sqliteStatement)
        defer { insert.finish() }
        // Byte order, as SQLite's BINARY collation compares (ids are ASCII).
        for stats in records.sorted(by: { $0.keyID.utf8.lexicographicallyPrecedes($1.keyID.utf8) }) {
            if try update.row(db, { bindKeyStatsRow(stats, revision, &$0) }) == 0 {
                try insert.row(db) { bindKeyStatsRow(stats, revision, &$0) }
            }
        }
    }

    private static func bindKeyStatsRow(_ stats: KeyStatsRecord, _ revision: Int64, _ row: inout RawWrite.Binder) {
        row.text(stats.keyID)
        row.integer(Int64(stats.requests))
        row.integer(Int64(stats.successes))
        row.integer(Int64(stats.failures))
        row.integer(Int64(stats.latencyMillisSum))
        row.integer(Int64(stats.promptTokens))
        row.integer(Int64(stats.completionTokens))
        row.real(StoreColumns.seconds(stats.lastUsed))
        row.real(StoreColumns.seconds(stats.lastSuccess))
        row.real(StoreColumns.seconds(stats.lastFailure))
        row.integer(revision)
    }

    /// Writes health decided by traffic or probes where it supersedes the stored health (`KeyHealthMergeSQL`;
    /// a later penalty wins, a stale `active` undoes nothing); the same health again changes nothing.
    /// - Returns: the ids of the keys whose health changed, for the change log.
    static func mergeHealth(_ records: [KeyHealthRecord], now: Double, _ db: Database) throws -> [String] {
        guard !records.isEmpty else { return [] }
        let wins = KeyHealthMergeSQL.offeredWins(
            storedStatus: "status", storedUntil: "status_until", status: "?1", until: "?2", now: now)
        let fresh = KeyHealthMergeSQL.notBeforeReplacement(replacedAt: "health_replaced_at", decidedAt: "?8")
        let statement = try db.cachedStatement(
            sql: """
                UPDATE keys SET status = ?1, status_until = ?2, status_reason = ?3, consecutive_failures = ?4,
                                consecutive_rate_limits = ?5, failure_disables = ?6
                WHERE id = ?7 AND \(wins) AND \(fresh)
                  AND NOT (status IS ?1 AND status_until IS ?2 AND status_reason IS ?3 AND consecutive_failures = ?4
                           AND consecutive_rate_limits = ?5 AND failure_disables = ?6)
                """)
        var changed: [String] = []
        for record in records {
            let condition = StoredCondition(record.health.condition)
            try statement.execute(arguments: [
                condition.status, condition.until, condition.reason, record.health.consecutiveFailures,
                record.health.consecutiveRateLimits, record.health.failureDisables, record.keyID,
                record.decidedAt?.timeIntervalSince1970,
            ])
            if db.changesCount > 0 { changed.append(record.keyID) }
        }
        return changed
    }

    /// Replaces health (an admin's change, a probe's lift) and stamps the key with the replacement's time, its
    /// `decidedAt` or else now: a record decided before the key's last replacement changes nothing
    /// (`KeyHealthRecord.decidedAt`). Health updates for keys that no longer exist change no row.
    static func writeHealth(_ records: [KeyHealthRecord], _ db: Database) throws {
        guard !records.isEmpty else { return }
        let now = Date().timeIntervalSince1970
        let fresh = KeyHealthMergeSQL.notBeforeReplacement(replacedAt: "health_replaced_at", decidedAt: "?8")
        let statement = try db.cachedStatement(
            sql: """
                UPDATE keys SET status = ?1, status_until = ?2, status_reason = ?3, consecutive_failures = ?4,
                                consecutive_rate_limits = ?5, failure_disables = ?6,
                                health_replaced_at = coalesce(?8, ?9)
                WHERE id = ?7 AND \(fresh)
                """)
        for record in records {
            let condition = StoredCondition(record.health.condition)
            try statement.execute(arguments: [
                condition.status, condition.until, condition.reason, record.health.consecutiveFailures,
                record.health.consecutiveRateLimits, record.health.failureDisables, record.keyID,
                record.decidedAt?.timeIntervalSince1970, now,
            ])
        }
    }
}
