import Foundation
import PoolCore
import PostgresNIO

/// Reading back the shared totals (see `PoolStore.sharedTotals`): every instance's flushed traffic, read in one
/// repeatable-read transaction so the revision and the rows agree. Per-key counters are read only when another
/// instance stamped statistics since the revision asked about (see `SQLiteStore.sharedTotals`).
extension PostgresStore {
    public func sharedTotals(
        keysChangedAfter revision: Int64, hoursSince: Int, keyStats: @escaping @Sendable ([KeyStatsRecord]) -> Void
    ) async throws -> SharedTotals {
        try checkOpen()
        return try await transaction { connection in
            try await connection.query(
                "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: self.logger)
            var totals = SharedTotals(revision: revision)
            let current = try await connection.query(
                "SELECT rev FROM store_revision WHERE id = 1", logger: self.logger)
            for try await value in current.decode(Int64.self) { totals.revision = value }
            let others = try await connection.query(
                """
                SELECT EXISTS (SELECT 1 FROM change_log WHERE rev > \(revision) AND rev <= \(totals.revision)
                                                         AND kind = \(ChangeKind.stats) AND origin <> \(self.origin))
                    OR NOT EXISTS (SELECT 1 FROM change_log WHERE rev <= \(revision))
                """, logger: self.logger)
            var othersWrote = true
            for try await value in others.decode(Bool.self) { othersWrote = value }
            if othersWrote {
                try await self.readKeyStats(
                    changedAfter: revision, upTo: totals.revision, connection, pages: keyStats)
            }
            let tokenRows = try await connection.query(
                "SELECT id, request_count FROM client_tokens", logger: self.logger)
            for try await (id, count) in tokenRows.decode((String, Int64).self) { totals.tokenCounts[id] = Int(count) }
            totals.globalStats = try await self.loadGlobalStats(connection)
            totals.modelHours = try await self.loadModelHours(since: Int64(hoursSince), connection)
            return totals
        }
    }

    private func readKeyStats(
        changedAfter revision: Int64, upTo current: Int64, _ connection: PostgresConnection,
        pages keyStats: ([KeyStatsRecord]) -> Void
    ) async throws {
        let keyRows = try await connection.query(
            """
            SELECT key_id, requests, successes, failures, latency_ms_sum, prompt_tokens, completion_tokens,
                   last_used, last_success, last_failure
            FROM key_stats WHERE rev > \(revision) AND rev <= \(current)
            """, logger: logger)
        var page: [KeyStatsRecord] = []
        for try await row in keyRows {
            if page.count == SharedTotals.keyStatsPageSize {
                keyStats(page)
                page.removeAll(keepingCapacity: true)
            }
            let (id, requests, successes, failures, latency, prompt, completion, used, succeeded, failed) =
                try row.decode((String, Int64, Int64, Int64, Int64, Int64, Int64, Double?, Double?, Double?).self)
            page.append(
                KeyStatsRecord(
                    keyID: id, requests: Int(requests), successes: Int(successes), failures: Int(failures),
                    latencyMillisSum: Int(latency), promptTokens: Int(prompt), completionTokens: Int(completion),
                    lastUsed: StoreColumns.date(used), lastSuccess: StoreColumns.date(succeeded),
                    lastFailure: StoreColumns.date(failed)))
        }
        if !page.isEmpty { keyStats(page) }
    }

    /// Whether the LISTEN connection is up (for `/health`).
    public var listenConnectionUp: Bool? { listening.isSet }
}
