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
        try await pool.write { db in
            let now = Date().timeIntervalSince1970
            try db.execute(
                sql: "INSERT INTO applied_batches (id, applied_at) VALUES (?, ?) ON CONFLICT(id) DO NOTHING",
                arguments: [batch.id, now])
            guard db.changesCount > 0 else { return }  // applied before: its commit outcome was unknown
            try db.execute(
                sql: "DELETE FROM applied_batches WHERE applied_at < ?", arguments: [now - Self.appliedBatchRetention])
            if !batch.keyStats.isEmpty {
                // INSERT … SELECT … WHERE EXISTS skips stats of keys deleted since the batch was collected,
                // which a plain upsert would turn into a foreign-key failure of the whole batch.
                let statement = try db.makeStatement(
                    sql: """
                        INSERT INTO key_stats (key_id, requests, successes, failures, latency_ms_sum, prompt_tokens,
                                               completion_tokens, last_used, last_success, last_failure)
                        SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10 WHERE EXISTS (SELECT 1 FROM keys WHERE id = ?1)
                        ON CONFLICT(key_id) DO UPDATE SET
                            requests = requests + excluded.requests, successes = successes + excluded.successes,
                            failures = failures + excluded.failures,
                            latency_ms_sum = latency_ms_sum + excluded.latency_ms_sum,
                            prompt_tokens = prompt_tokens + excluded.prompt_tokens,
                            completion_tokens = completion_tokens + excluded.completion_tokens,
                            last_used = coalesce(max(last_used, excluded.last_used), last_used, excluded.last_used),
                            last_success = coalesce(
                                max(last_success, excluded.last_success), last_success, excluded.last_success),
                            last_failure = coalesce(
                                max(last_failure, excluded.last_failure), last_failure, excluded.last_failure)
                        """)
                for stats in batch.keyStats {
                    try statement.execute(arguments: [
                        stats.keyID, stats.requests, stats.successes, stats.failures, stats.latencyMillisSum,
                        stats.promptTokens, stats.completionTokens, StoreColumns.seconds(stats.lastUsed),
                        StoreColumns.seconds(stats.lastSuccess), StoreColumns.seconds(stats.lastFailure),
                    ])
                }
            }
            try Self.writeHealth(batch.keyHealth, db)
            if !batch.tokenRequestCounts.isEmpty {
                let statement = try db.makeStatement(
                    sql: "UPDATE client_tokens SET request_count = request_count + ? WHERE id = ?")
                for count in batch.tokenRequestCounts {
                    try statement.execute(arguments: [count.requestCount, count.tokenID])
                }
            }
            try Self.writeGlobalStats(batch.globalStats, db)
            if !batch.modelHours.isEmpty {
                let statement = try db.makeStatement(
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
        }
    }

    /// Health updates for keys that no longer exist change no row, which is what both callers want.
    static func writeHealth(_ records: [KeyHealthRecord], _ db: Database) throws {
        guard !records.isEmpty else { return }
        let statement = try db.makeStatement(
            sql: """
                UPDATE keys SET status = ?, status_until = ?, status_reason = ?, consecutive_failures = ?,
                                consecutive_rate_limits = ?, failure_disables = ?
                WHERE id = ?
                """)
        for record in records {
            let condition = StoredCondition(record.health.condition)
            try statement.execute(arguments: [
                condition.status, condition.until, condition.reason, record.health.consecutiveFailures,
                record.health.consecutiveRateLimits, record.health.failureDisables, record.keyID,
            ])
        }
    }
}
