import Foundation
import GRDB
import PoolCore

extension SQLiteStore {
    /// Replaces a token's name, expiry, provider scope and policy (its hash, prefix and counters stay), and logs
    /// the change so other readers of the database pick it up.
    /// - Returns: false when no token had this id.
    public func updateToken(_ token: ClientTokenRecord) async throws -> Bool {
        try checkOpen()
        return try await pool.write { [origin] db in
            try db.execute(
                sql: "UPDATE client_tokens SET name = ?, expires_at = ?, provider = ?, policy = ? WHERE id = ?",
                arguments: [
                    token.name, StoreColumns.seconds(token.expiresAt), token.provider?.rawValue,
                    token.policy.storedJSON(), token.id,
                ])
            guard db.changesCount > 0 else { return false }
            try Self.logChange(ChangeKind.token, item: token.id, origin: origin, db)
            return true
        }
    }

    /// Adds usage per token and UTC day in one transaction; rows of tokens deleted meanwhile are skipped.
    public func addTokenUsage(_ deltas: [TokenUsageDelta]) async throws {
        guard !deltas.isEmpty else { return }
        try checkOpen()
        try await pool.write { db in
            let statement = try db.makeStatement(
                sql: """
                    INSERT INTO token_usage (token_id, day_start, requests, tokens)
                    SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM client_tokens WHERE id = ?1)
                    ON CONFLICT (token_id, day_start) DO UPDATE SET
                        requests = requests + excluded.requests, tokens = tokens + excluded.tokens
                    """)
            for delta in deltas {
                try statement.execute(arguments: [delta.tokenID, delta.dayStart, delta.requests, delta.tokens])
            }
        }
    }

    /// Each token's usage today, this month and in total.
    public func tokenUsage(now: Date) async throws -> [TokenUsageTotals] {
        try checkOpen()
        let day = QuotaPeriod.day.bounds(containing: now).start
        let month = QuotaPeriod.month.bounds(containing: now)
        return try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT token_id,
                           SUM(CASE WHEN day_start = ?1 THEN requests ELSE 0 END),
                           SUM(CASE WHEN day_start = ?1 THEN tokens ELSE 0 END),
                           SUM(CASE WHEN day_start >= ?2 AND day_start < ?3 THEN requests ELSE 0 END),
                           SUM(CASE WHEN day_start >= ?2 AND day_start < ?3 THEN tokens ELSE 0 END),
                           SUM(requests), SUM(tokens)
                    FROM token_usage GROUP BY token_id ORDER BY token_id
                    """, arguments: [day, month.start, month.end]
            ).map { row in
                TokenUsageTotals(
                    tokenID: row[0], dayStart: day, dayRequests: row[1], dayTokens: row[2], monthStart: month.start,
                    monthRequests: row[3], monthTokens: row[4], totalRequests: row[5], totalTokens: row[6])
            }
        }
    }

    /// Grants up to the asked amount without leasing more than the limit for the window in total (one process
    /// holds the whole budget with SQLite, so this is for completeness and tests).
    public func leaseTokenBudget(tokenID: String, request: BudgetRequest) async throws -> BudgetGrant {
        try checkOpen()
        let granted = try await pool.write { db in
            try Int.fetchOne(
                db,
                sql: """
                    INSERT INTO token_budget_leases (token_id, kind, window_start, leased, last_grant)
                    VALUES (?1, ?2, ?3, MIN(?4, ?5), MIN(?4, ?5))
                    ON CONFLICT (token_id, kind, window_start) DO UPDATE SET
                        last_grant = MIN(?4, ?5 - leased), leased = leased + MIN(?4, ?5 - leased)
                    WHERE leased < ?5
                    RETURNING last_grant
                    """,
                arguments: [tokenID, request.kind.rawValue, request.windowStart, request.amount, request.limit]) ?? 0
        }
        return BudgetGrant(
            kind: request.kind, windowStart: request.windowStart, requested: request.amount, granted: max(0, granted))
    }
}
