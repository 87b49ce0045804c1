import Foundation
import GRDB
import PoolCore

/// The per-provider totals: `global_stats` (one row per provider) and `refusal_stats` (one row per provider and
/// refusal reason that ever happened).
extension SQLiteStore {
    /// The model hours from `since` (seconds since 1970) on, by hour, provider and model: for loading and for
    /// reading back the shared totals.
    static func loadModelHours(since: Int, _ db: Database) throws -> [ModelHourRecord] {
        var hours: [ModelHourRecord] = []
        let rows = try Row.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT provider, model, hour_start, requests, successes, failures, client_errors,
                           upstream_failures, refused
                    FROM model_hours WHERE hour_start >= ? ORDER BY hour_start, provider, model
                    """), arguments: [since])
        while let row = try rows.next() {
            hours.append(
                ModelHourRecord(
                    provider: ProviderID(rawValue: row[0]), model: row[1], hourStart: row[2], requests: row[3],
                    successes: row[4], failures: row[5], clientErrors: row[6], upstreamFailures: row[7],
                    refused: row[8]))
        }
        return hours
    }

    /// Every provider's totals with its refusals. Rows from before schema v3 read with zero client errors,
    /// upstream failures and refusals, so all their failures are unclassified (`RequestTally`).
    static func loadGlobalStats(_ db: Database) throws -> [GlobalStatsRecord] {
        var records: [ProviderID: GlobalStatsRecord] = [:]
        var order: [ProviderID] = []
        let rows = try Row.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT provider, requests, successes, failures, client_errors, upstream_failures
                    FROM global_stats ORDER BY provider
                    """))
        while let row = try rows.next() {
            let provider = ProviderID(rawValue: row[0])
            order.append(provider)
            records[provider] = GlobalStatsRecord(
                provider: provider, requests: row[1], successes: row[2], failures: row[3], clientErrors: row[4],
                upstreamFailures: row[5])
        }
        let refusalRows = try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT provider, reason, requests FROM refusal_stats ORDER BY provider, reason"))
        while let row = try refusalRows.next() {
            // A reason a newer version wrote and this one does not know is left in its row, untouched.
            guard let reason = RefusalReason(rawValue: row[1]) else { continue }
            let provider = ProviderID(rawValue: row[0])
            if records[provider] == nil {
                order.append(provider)
                records[provider] = GlobalStatsRecord(provider: provider)
            }
            records[provider]!.refusals[reason] = row[2]
        }
        return order.map { records[$0]! }
    }

    /// Adds increments to the totals; a reason with no new refusals writes no row.
    static func writeGlobalStats(_ records: [GlobalStatsRecord], _ db: Database) throws {
        guard !records.isEmpty else { return }
        let totals = try db.cachedStatement(
            sql: """
                INSERT INTO global_stats (provider, requests, successes, failures, client_errors, upstream_failures)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(provider) DO UPDATE SET
                    requests = requests + excluded.requests, successes = successes + excluded.successes,
                    failures = failures + excluded.failures, client_errors = client_errors + excluded.client_errors,
                    upstream_failures = upstream_failures + excluded.upstream_failures
                """)
        let refusals = try db.cachedStatement(
            sql: """
                INSERT INTO refusal_stats (provider, reason, requests) VALUES (?, ?, ?)
                ON CONFLICT(provider, reason) DO UPDATE SET requests = requests + excluded.requests
                """)
        for stats in records {
            try totals.execute(arguments: [
                stats.provider.rawValue, stats.requests, stats.successes, stats.failures, stats.clientErrors,
                stats.upstreamFailures,
            ])
            for (reason, count) in stats.refusals.sorted(by: { $0.key.rawValue < $1.key.rawValue }) where count != 0 {
                try refusals.execute(arguments: [stats.provider.rawValue, reason.rawValue, count])
            }
        }
    }
}
