import Foundation
import PoolCore
import PostgresNIO

/// Reading everything the gateway needs to start.
extension PostgresStore {
    /// Keys handed to `keyBatches` at a time, as with SQLite.
    static let loadBatchSize = 1024

    /// Reads all keys (secrets opened), their statistics, client tokens, global counters and the model hours of
    /// the last 30 days, in one repeatable-read transaction so the parts agree with each other.
    public func loadSnapshot(
        keyBatches: (@Sendable (_ keys: [KeyRecord], _ stats: [KeyStatsRecord]) -> Void)?
    ) async throws -> StoreSnapshot {
        try checkOpen()
        let since = Int64(Date().timeIntervalSince1970 - Self.modelHourRetention)
        return try await transaction { connection in
            try await connection.query(
                "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: self.logger)
            var snapshot = StoreSnapshot()
            var keys: [KeyRecord] = []
            var stats: [KeyStatsRecord] = []
            keys.reserveCapacity(Self.loadBatchSize)
            let keyRows = try await connection.query(
                """
                SELECT k.id, k.provider, k.secret, k.username, k.created_at, k.expires_at, k.status, k.status_until,
                       k.status_reason, k.consecutive_failures, k.consecutive_rate_limits, k.failure_disables,
                       k.models, k.category, k.credit, k.base_url, k.weight, k.tier,
                       s.key_id, s.requests, s.successes, s.failures, s.latency_ms_sum, s.prompt_tokens,
                       s.completion_tokens, s.last_used, s.last_success, s.last_failure
                FROM keys k LEFT JOIN key_stats s ON s.key_id = k.id ORDER BY k.seq
                """, logger: self.logger)
            for try await row in keyRows {
                let row = row.makeRandomAccess()
                keys.append(try self.keyRecord(row))
                if let keyID = try row[18].decode(String?.self) {
                    stats.append(
                        KeyStatsRecord(
                            keyID: keyID, requests: try Int(row[19].decode(Int64.self)),
                            successes: try Int(row[20].decode(Int64.self)),
                            failures: try Int(row[21].decode(Int64.self)),
                            latencyMillisSum: try Int(row[22].decode(Int64.self)),
                            promptTokens: try Int(row[23].decode(Int64.self)),
                            completionTokens: try Int(row[24].decode(Int64.self)),
                            lastUsed: StoreColumns.date(try row[25].decode(Double?.self)),
                            lastSuccess: StoreColumns.date(try row[26].decode(Double?.self)),
                            lastFailure: StoreColumns.date(try row[27].decode(Double?.self))))
                }
                if let keyBatches, keys.count == Self.loadBatchSize {
                    keyBatches(keys, stats)
                    keys.removeAll(keepingCapacity: true)
                    stats.removeAll(keepingCapacity: true)
                }
            }
            if let keyBatches {
                if !keys.isEmpty { keyBatches(keys, stats) }
            } else {
                snapshot.keys = keys
                snapshot.keyStats = stats
            }

            let tokenRows = try await connection.query(
                """
                SELECT id, name, token_hash, prefix, created_at, expires_at, provider, request_count, policy
                FROM client_tokens ORDER BY created_at, id
                """, logger: self.logger)
            for try await row in tokenRows { snapshot.tokens.append(try Self.tokenRecord(row)) }

            snapshot.globalStats = try await self.loadGlobalStats(connection)
            snapshot.modelHours = try await self.loadModelHours(since: since, connection)
            snapshot.providers = try await self.loadProviders(connection)
            return snapshot
        }
    }

    func keyRecord(_ row: PostgresRandomAccessRow) throws -> KeyRecord {
        let secret = try SQLiteStore.openSecret(try row[2].decode(String.self), cipher: cipher)
        let condition = StoredCondition(
            status: try row[6].decode(String.self), until: try row[7].decode(Double?.self),
            reason: try row[8].decode(String?.self)
        ).condition
        return KeyRecord(
            id: try row[0].decode(String.self), provider: ProviderID(rawValue: try row[1].decode(String.self)),
            secret: secret, username: try row[3].decode(String?.self),
            createdAt: Date(timeIntervalSince1970: try row[4].decode(Double.self)),
            expiresAt: StoreColumns.date(try row[5].decode(Double?.self)),
            health: KeyHealth(
                condition: condition, consecutiveFailures: Int(try row[9].decode(Int64.self)),
                consecutiveRateLimits: Int(try row[10].decode(Int64.self)),
                failureDisables: Int(try row[11].decode(Int64.self))),
            models: StoreColumns.decodeModels(try row[12].decode(String.self)),
            category: try row[13].decode(String?.self),
            credit: StoreColumns.decodeCredit(try row[14].decode(String?.self)),
            baseURL: try row[15].decode(String?.self),
            placement: StoreColumns.placement(
                weight: Int(try row[16].decode(Int64.self)), tier: Int(try row[17].decode(Int64.self))))
    }

    /// The model hours from `since` (seconds since 1970) on, by hour, provider and model: for loading and for
    /// reading back the shared totals.
    func loadModelHours(since: Int64, _ connection: PostgresConnection) async throws -> [ModelHourRecord] {
        var hours: [ModelHourRecord] = []
        let rows = try await connection.query(
            """
            SELECT provider, model, hour_start, requests, successes, failures, client_errors,
                   upstream_failures, refused
            FROM model_hours WHERE hour_start >= \(since) ORDER BY hour_start, provider, model
            """, logger: logger)
        for try await row in rows {
            let (provider, model, hour, requests, successes, failures, clientErrors, upstream, refused) =
                try row.decode((String, String, Int64, Int64, Int64, Int64, Int64, Int64, Int64).self)
            hours.append(
                ModelHourRecord(
                    provider: ProviderID(rawValue: provider), model: model, hourStart: Int(hour),
                    requests: Int(requests), successes: Int(successes), failures: Int(failures),
                    clientErrors: Int(clientErrors), upstreamFailures: Int(upstream), refused: Int(refused)))
        }
        return hours
    }

    /// Every provider's totals with its refusals (reasons this version does not know stay in their rows).
    func loadGlobalStats(_ connection: PostgresConnection) async throws -> [GlobalStatsRecord] {
        var records: [ProviderID: GlobalStatsRecord] = [:]
        var order: [ProviderID] = []
        let rows = try await connection.query(
            """
            SELECT provider, requests, successes, failures, client_errors, upstream_failures
            FROM global_stats ORDER BY provider
            """, logger: logger)
        for try await row in rows {
            let (name, requests, successes, failures, clientErrors, upstream) = try row.decode(
                (String, Int64, Int64, Int64, Int64, Int64).self)
            let provider = ProviderID(rawValue: name)
            order.append(provider)
            records[provider] = GlobalStatsRecord(
                provider: provider, requests: Int(requests), successes: Int(successes), failures: Int(failures),
                clientErrors: Int(clientErrors), upstreamFailures: Int(upstream))
        }
        let refusalRows = try await connection.query(
            "SELECT provider, reason, requests FROM refusal_stats ORDER BY provider, reason", logger: logger)
        for try await (name, reasonName, count) in refusalRows.decode((String, String, Int64).self) {
            guard let reason = RefusalReason(rawValue: reasonName) else { continue }
            let provider = ProviderID(rawValue: name)
            if records[provider] == nil {
                order.append(provider)
                records[provider] = GlobalStatsRecord(provider: provider)
            }
            records[provider]!.refusals[reason] = Int(count)
        }
        return order.map { records[$0]! }
    }
}
