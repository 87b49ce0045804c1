import Foundation
import PoolCore
import PostgresNIO
import Synchronization

/// Traffic batches: what the flusher writes every second, each in one transaction with rows in id order, so
/// that instances writing at the same time lock rows in the same order and cannot deadlock.
extension PostgresStore {
    /// Writes a traffic batch: counters are added to the stored totals, once per batch id (`applied_batches`);
    /// rows about keys or tokens deleted meanwhile are skipped instead of failing the batch.
    public func write(_ batch: StatsBatch) async throws {
        try checkOpen()
        guard !batch.isEmpty else { return }
        do {
            try await writeOnce(batch)
        } catch {
            throw StoreError("PostgreSQL (\(settings)) did not confirm a statistics batch: \(Self.describe(error))")
        }
    }

    private func writeOnce(_ batch: StatsBatch) async throws {
        let previousStamp = statsStamp.withLock { $0 }
        let stamp: Int64? = try await transaction { connection in
            let now = Date().timeIntervalSince1970
            let recorded = try await connection.query(
                """
                INSERT INTO applied_batches (id, applied_at) VALUES (\(batch.id), \(now))
                ON CONFLICT (id) DO NOTHING RETURNING id
                """, logger: self.logger)
            var isNew = false
            for try await _ in recorded { isNew = true }
            guard isNew else { return nil }  // applied before: its commit outcome was unknown
            let cutoff = now - SQLiteStore.appliedBatchRetention
            try await connection.query("DELETE FROM applied_batches WHERE applied_at < \(cutoff)", logger: self.logger)
            // Statistics are stamped with a revision for readers of the shared totals; health is logged under it.
            let revision =
                batch.keyStats.isEmpty && batch.keyHealth.isEmpty ? 0 : try await self.bumpRevision(connection)
            try await self.writeKeyStats(
                Self.summed(batch.keyStats, key: \.keyID, add: StatsDeltas.adding), revision: revision, connection)
            if !batch.keyStats.isEmpty {
                // Who stamped statistics under this revision: a reader of the shared totals skips rows only it
                // wrote (see `SQLiteStore.logStatsStamp`). No notification: the change feeds have nothing to apply.
                try await connection.query(
                    """
                    INSERT INTO change_log (rev, origin, kind, item, at)
                    VALUES (\(revision), \(self.origin), \(ChangeKind.stats), '', \(now))
                    """, logger: self.logger)
                if let previousStamp {
                    try await connection.query(
                        """
                        DELETE FROM change_log
                        WHERE rev = \(previousStamp) AND kind = \(ChangeKind.stats) AND origin = \(self.origin)
                        """, logger: self.logger)
                }
            }
            let merged = try await self.mergeHealth(batch.keyHealth, now: now, connection)
            try await self.logChanges(ChangeKind.keyHealth, items: merged, revision: revision, connection)
            let counts = Self.summedPerID(batch.tokenRequestCounts)
            if !counts.isEmpty {
                let ids = counts.map(\.tokenID)
                let values = counts.map { Int64($0.requestCount) }
                try await connection.query(
                    """
                    UPDATE client_tokens SET request_count = client_tokens.request_count + u.count
                    FROM unnest(\(ids)::text[], \(values)::int8[]) AS u(id, count) WHERE client_tokens.id = u.id
                    """, logger: self.logger)
            }
            try await self.writeGlobalStats(batch.globalStats, connection)
            try await self.writeModelHours(batch.modelHours, connection)
            return batch.keyStats.isEmpty ? nil : revision
        }
        // Only once committed: a batch that failed left the previous stamp in the log.
        if let stamp { statsStamp.withLock { $0 = stamp } }
    }

    private func writeKeyStats(
        _ records: [KeyStatsRecord], revision: Int64, _ connection: PostgresConnection
    ) async throws {
        for chunk in PostgresArrays.chunks(records) {
            let ids = chunk.map(\.keyID)
            let requests = chunk.map { Int64($0.requests) }
            let successes = chunk.map { Int64($0.successes) }
            let failures = chunk.map { Int64($0.failures) }
            let latency = chunk.map { Int64($0.latencyMillisSum) }
            let prompt = chunk.map { Int64($0.promptTokens) }
            let completion = chunk.map { Int64($0.completionTokens) }
            let used = chunk.map { PostgresArrays.number(StoreColumns.seconds($0.lastUsed)) }
            let succeeded = chunk.map { PostgresArrays.number(StoreColumns.seconds($0.lastSuccess)) }
            let failed = chunk.map { PostgresArrays.number(StoreColumns.seconds($0.lastFailure)) }
            // The join with keys skips statistics of keys deleted since the batch was collected, which a plain
            // upsert would turn into a foreign-key failure of the whole batch.
            try await connection.query(
                """
                INSERT INTO key_stats (key_id, requests, successes, failures, latency_ms_sum, prompt_tokens,
                                       completion_tokens, last_used, last_success, last_failure, rev)
                SELECT u.id, u.requests, u.successes, u.failures, u.latency, u.prompt, u.completion,
                       \(unescaped: PostgresArrays.nullableNumber("u.used")),
                       \(unescaped: PostgresArrays.nullableNumber("u.succeeded")),
                       \(unescaped: PostgresArrays.nullableNumber("u.failed")), \(revision)
                FROM unnest(\(ids)::text[], \(requests)::int8[], \(successes)::int8[], \(failures)::int8[],
                            \(latency)::int8[], \(prompt)::int8[], \(completion)::int8[], \(used)::float8[],
                            \(succeeded)::float8[], \(failed)::float8[])
                     AS u(id, requests, successes, failures, latency, prompt, completion, used, succeeded, failed)
                JOIN keys ON keys.id = u.id
                ORDER BY u.id
                ON CONFLICT (key_id) DO UPDATE SET
                    rev = excluded.rev,
                    requests = key_stats.requests + excluded.requests,
                    successes = key_stats.successes + excluded.successes,
                    failures = key_stats.failures + excluded.failures,
                    latency_ms_sum = key_stats.latency_ms_sum + excluded.latency_ms_sum,
                    prompt_tokens = key_stats.prompt_tokens + excluded.prompt_tokens,
                    completion_tokens = key_stats.completion_tokens + excluded.completion_tokens,
                    last_used = greatest(key_stats.last_used, excluded.last_used),
                    last_success = greatest(key_stats.last_success, excluded.last_success),
                    last_failure = greatest(key_stats.last_failure, excluded.last_failure)
                """, logger: logger)
        }
    }

    /// Writes health decided by traffic or probes where it supersedes the stored health (`KeyHealthMergeSQL`;
    /// a later penalty wins, a stale `active` undoes nothing); the same health again changes nothing.
    /// - Returns: the ids of the keys whose health changed, for the change log.
    func mergeHealth(
        _ records: [KeyHealthRecord], now: Double, _ connection: PostgresConnection
    ) async throws
        -> [String]
    {
        var changed: [String] = []
        let until = PostgresArrays.nullableNumber("u.until")
        let wins = KeyHealthMergeSQL.offeredWins(
            storedStatus: "keys.status", storedUntil: "keys.status_until", status: "u.status", until: until, now: now)
        let fresh = KeyHealthMergeSQL.notBeforeReplacement(
            replacedAt: "keys.health_replaced_at", decidedAt: PostgresArrays.nullableNumber("u.decided"))
        for chunk in PostgresArrays.chunks(Self.lastPerID(records, id: \.keyID)) {
            let c = HealthColumns(chunk)
            let rows = try await connection.query(
                """
                UPDATE keys SET status = u.status, status_until = \(unescaped: until),
                                status_reason = \(unescaped: PostgresArrays.nullableText("u.reason")),
                                consecutive_failures = u.failures, consecutive_rate_limits = u.rate_limits,
                                failure_disables = u.disables
                FROM unnest(\(c.ids)::text[], \(c.statuses)::text[], \(c.untils)::float8[], \(c.reasons)::text[],
                            \(c.failures)::int8[], \(c.rateLimits)::int8[], \(c.disables)::int8[],
                            \(c.decided)::float8[])
                     AS u(id, status, until, reason, failures, rate_limits, disables, decided)
                WHERE keys.id = u.id AND \(unescaped: wins) AND \(unescaped: fresh)
                  AND (keys.status, keys.status_until, keys.status_reason, keys.consecutive_failures,
                       keys.consecutive_rate_limits, keys.failure_disables)
                      IS DISTINCT FROM (u.status, \(unescaped: until),
                                        \(unescaped: PostgresArrays.nullableText("u.reason")), u.failures,
                                        u.rate_limits, u.disables)
                RETURNING keys.id
                """, logger: logger)
            for try await id in rows.decode(String.self) { changed.append(id) }
        }
        return changed
    }

    /// Replaces health (an admin's change, a probe's lift) and stamps the key with the replacement's time, its
    /// `decidedAt` or else now: a record decided before the key's last replacement changes nothing
    /// (`KeyHealthRecord.decidedAt`). Health updates for keys that no longer exist change no row.
    func writeHealth(_ records: [KeyHealthRecord], _ connection: PostgresConnection) async throws {
        let now = Date().timeIntervalSince1970
        let decidedAt = PostgresArrays.nullableNumber("u.decided")
        let fresh = KeyHealthMergeSQL.notBeforeReplacement(replacedAt: "keys.health_replaced_at", decidedAt: decidedAt)
        for chunk in PostgresArrays.chunks(Self.lastPerID(records, id: \.keyID)) {
            let c = HealthColumns(chunk)
            try await connection.query(
                """
                UPDATE keys SET status = u.status,
                                status_until = \(unescaped: PostgresArrays.nullableNumber("u.until")),
                                status_reason = \(unescaped: PostgresArrays.nullableText("u.reason")),
                                consecutive_failures = u.failures, consecutive_rate_limits = u.rate_limits,
                                failure_disables = u.disables,
                                health_replaced_at = coalesce(\(unescaped: decidedAt), \(now))
                FROM unnest(\(c.ids)::text[], \(c.statuses)::text[], \(c.untils)::float8[], \(c.reasons)::text[],
                            \(c.failures)::int8[], \(c.rateLimits)::int8[], \(c.disables)::int8[],
                            \(c.decided)::float8[])
                     AS u(id, status, until, reason, failures, rate_limits, disables, decided)
                WHERE keys.id = u.id AND \(unescaped: fresh)
                """, logger: logger)
        }
    }

    /// Adds increments to the totals; a reason with no new refusals writes no row.
    private func writeGlobalStats(_ records: [GlobalStatsRecord], _ connection: PostgresConnection) async throws {
        let records = Self.summed(records, key: \.provider.rawValue, add: StatsDeltas.adding)
        guard !records.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO global_stats (provider, requests, successes, failures, client_errors, upstream_failures)
            SELECT * FROM unnest(\(records.map(\.provider.rawValue))::text[],
                                 \(records.map { Int64($0.requests) })::int8[],
                                 \(records.map { Int64($0.successes) })::int8[],
                                 \(records.map { Int64($0.failures) })::int8[],
                                 \(records.map { Int64($0.clientErrors) })::int8[],
                                 \(records.map { Int64($0.upstreamFailures) })::int8[])
            ORDER BY 1
            ON CONFLICT (provider) DO UPDATE SET
                requests = global_stats.requests + excluded.requests,
                successes = global_stats.successes + excluded.successes,
                failures = global_stats.failures + excluded.failures,
                client_errors = global_stats.client_errors + excluded.client_errors,
                upstream_failures = global_stats.upstream_failures + excluded.upstream_failures
            """, logger: logger)
        let refusals = records.flatMap { stats in
            stats.refusals.filter { $0.value != 0 }.map { (stats.provider.rawValue, $0.key.rawValue, Int64($0.value)) }
        }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        guard !refusals.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO refusal_stats (provider, reason, requests)
            SELECT * FROM unnest(\(refusals.map(\.0))::text[], \(refusals.map(\.1))::text[],
                                 \(refusals.map(\.2))::int8[])
            ON CONFLICT (provider, reason) DO UPDATE SET requests = refusal_stats.requests + excluded.requests
            """, logger: logger)
    }

    private func writeModelHours(_ records: [ModelHourRecord], _ connection: PostgresConnection) async throws {
        for chunk in PostgresArrays.chunks(Self.summed(records, key: StatsDeltas.hourKey, add: StatsDeltas.adding)) {
            try await connection.query(
                """
                INSERT INTO model_hours (provider, model, hour_start, requests, successes, failures, client_errors,
                                         upstream_failures, refused)
                SELECT * FROM unnest(\(chunk.map(\.provider.rawValue))::text[], \(chunk.map(\.model))::text[],
                                     \(chunk.map { Int64($0.hourStart) })::int8[],
                                     \(chunk.map { Int64($0.requests) })::int8[],
                                     \(chunk.map { Int64($0.successes) })::int8[],
                                     \(chunk.map { Int64($0.failures) })::int8[],
                                     \(chunk.map { Int64($0.clientErrors) })::int8[],
                                     \(chunk.map { Int64($0.upstreamFailures) })::int8[],
                                     \(chunk.map { Int64($0.refused) })::int8[])
                ON CONFLICT (provider, model, hour_start) DO UPDATE SET
                    requests = model_hours.requests + excluded.requests,
                    successes = model_hours.successes + excluded.successes,
                    failures = model_hours.failures + excluded.failures,
                    client_errors = model_hours.client_errors + excluded.client_errors,
                    upstream_failures = model_hours.upstream_failures + excluded.upstream_failures,
                    refused = model_hours.refused + excluded.refused
                """, logger: logger)
        }
    }

    /// One row per key (increments of the same row summed), sorted by key, so that concurrent writers lock rows
    /// in one order and a statement never touches a row twice.
    static func summed<Record>(
        _ records: [Record], key: (Record) -> String, add: (Record, Record?) -> Record
    )
        -> [Record]
    {
        var byKey: [String: Record] = [:]
        for record in records { byKey[key(record)] = add(record, byKey[key(record)]) }
        return byKey.keys.sorted().map { byKey[$0]! }
    }

    static func summedPerID(_ counts: [TokenCount]) -> [TokenCount] {
        summed(counts, key: \.tokenID) { count, total in
            TokenCount(tokenID: count.tokenID, requestCount: count.requestCount + (total?.requestCount ?? 0))
        }
    }
}

/// Health records as the column arrays `unnest` reads (`PostgresArrays` encodes what may be NULL).
private struct HealthColumns {
    let ids: [String]
    let statuses: [String]
    let untils: [Double]
    let reasons: [String]
    let failures: [Int64]
    let rateLimits: [Int64]
    let disables: [Int64]
    let decided: [Double]

    init(_ records: ArraySlice<KeyHealthRecord>) {
        let conditions = records.map { StoredCondition($0.health.condition) }
        ids = records.map(\.keyID)
        statuses = conditions.map(\.status)
        untils = conditions.map { PostgresArrays.number($0.until) }
        reasons = conditions.map { PostgresArrays.text($0.reason) }
        failures = records.map { Int64($0.health.consecutiveFailures) }
        rateLimits = records.map { Int64($0.health.consecutiveRateLimits) }
        disables = records.map { Int64($0.health.failureDisables) }
        decided = records.map { PostgresArrays.number($0.decidedAt?.timeIntervalSince1970) }
    }
}
