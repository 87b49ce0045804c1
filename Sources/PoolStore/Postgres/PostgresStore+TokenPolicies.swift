import Foundation
import PoolCore
import PostgresNIO

extension PostgresStore {
    /// Replaces a token's name, expiry, provider scope and policy (its hash, prefix and counters stay), and logs
    /// the change so every other instance picks it up.
    /// - Returns: false when no token had this id.
    public func updateToken(_ token: ClientTokenRecord) async throws -> Bool {
        try checkOpen()
        let expires = StoreColumns.seconds(token.expiresAt)
        return try await transaction { connection in
            let rows = try await connection.query(
                """
                UPDATE client_tokens SET name = \(token.name), expires_at = \(expires),
                       provider = \(token.provider?.rawValue), policy = \(token.policy.storedJSON())
                WHERE id = \(token.id) RETURNING id
                """, logger: self.logger)
            var updated = false
            for try await _ in rows { updated = true }
            if updated { try await self.logChanges(ChangeKind.token, items: [token.id], connection) }
            return updated
        }
    }

    /// Adds usage per token and UTC day in one statement; rows of tokens deleted meanwhile are skipped.
    public func addTokenUsage(_ deltas: [TokenUsageDelta]) async throws {
        guard !deltas.isEmpty else { return }
        try checkOpen()
        var summed: [String: TokenUsageDelta] = [:]
        for delta in deltas {
            let key = "\(delta.tokenID)|\(delta.dayStart)"
            if var existing = summed[key] {
                existing.requests += delta.requests
                existing.tokens += delta.tokens
                summed[key] = existing
            } else {
                summed[key] = delta
            }
        }
        let rows = Array(summed.values)
        let ids = rows.map(\.tokenID)
        let days = rows.map(\.dayStart)
        let requests = rows.map { Int64($0.requests) }
        let tokens = rows.map { Int64($0.tokens) }
        try await connection { connection in
            try await connection.query(
                """
                INSERT INTO token_usage (token_id, day_start, requests, tokens)
                SELECT u.id, u.day, u.requests, u.tokens
                FROM unnest(\(ids)::text[], \(days)::int8[], \(requests)::int8[], \(tokens)::int8[])
                     AS u(id, day, requests, tokens)
                WHERE EXISTS (SELECT 1 FROM client_tokens WHERE client_tokens.id = u.id)
                ON CONFLICT (token_id, day_start) DO UPDATE SET
                    requests = token_usage.requests + excluded.requests,
                    tokens = token_usage.tokens + excluded.tokens
                """, logger: self.logger)
        }
    }

    /// Each token's usage today, this month and in total.
    public func tokenUsage(now: Date) async throws -> [TokenUsageTotals] {
        try checkOpen()
        let day = QuotaPeriod.day.bounds(containing: now).start
        let month = QuotaPeriod.month.bounds(containing: now)
        return try await connection { connection in
            let rows = try await connection.query(
                """
                SELECT token_id,
                       SUM(CASE WHEN day_start = \(day) THEN requests ELSE 0 END)::int8,
                       SUM(CASE WHEN day_start = \(day) THEN tokens ELSE 0 END)::int8,
                       SUM(CASE WHEN day_start >= \(month.start) AND day_start < \(month.end)
                           THEN requests ELSE 0 END)::int8,
                       SUM(CASE WHEN day_start >= \(month.start) AND day_start < \(month.end)
                           THEN tokens ELSE 0 END)::int8,
                       SUM(requests)::int8, SUM(tokens)::int8
                FROM token_usage GROUP BY token_id ORDER BY token_id
                """, logger: self.logger)
            var totals: [TokenUsageTotals] = []
            for try await row in rows {
                let (id, dayRequests, dayTokens, monthRequests, monthTokens, allRequests, allTokens) = try row.decode(
                    (String, Int64, Int64, Int64, Int64, Int64, Int64).self)
                totals.append(
                    TokenUsageTotals(
                        tokenID: id, dayStart: day, dayRequests: Int(dayRequests), dayTokens: Int(dayTokens),
                        monthStart: month.start, monthRequests: Int(monthRequests), monthTokens: Int(monthTokens),
                        totalRequests: Int(allRequests), totalTokens: Int(allTokens)))
            }
            return totals
        }
    }

    /// Leases up to `request.amount` of a window's budget in one conditional statement: the row for (token,
    /// limit, window) grows by what is granted and never past `request.limit`, whatever the instances asking at
    /// once; the grant is read back from `last_grant`, which the same statement sets from the old value.
    public func leaseTokenBudget(tokenID: String, request: BudgetRequest) async throws -> BudgetGrant {
        try checkOpen()
        let amount = Int64(request.amount)
        let limit = Int64(request.limit)
        let granted = try await connection { connection in
            let rows = try await connection.query(
                """
                INSERT INTO token_budget_leases AS l (token_id, kind, window_start, leased, last_grant)
                VALUES (\(tokenID), \(request.kind.rawValue), \(request.windowStart),
                        LEAST(\(amount), \(limit)), LEAST(\(amount), \(limit)))
                ON CONFLICT (token_id, kind, window_start) DO UPDATE SET
                    last_grant = LEAST(\(amount), \(limit) - l.leased),
                    leased = l.leased + LEAST(\(amount), \(limit) - l.leased)
                WHERE l.leased < \(limit)
                RETURNING l.last_grant
                """, logger: self.logger)
            var granted: Int64 = 0
            for try await row in rows { granted = try row.decode(Int64.self) }
            return granted
        }
        return BudgetGrant(
            kind: request.kind, windowStart: request.windowStart, requested: request.amount,
            granted: Int(max(0, granted)))
    }
}
