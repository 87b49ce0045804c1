import Foundation
import Logging
import PoolCore
import PostgresNIO

/// What the reference Worker keeps in PostgreSQL for one provider (`ollama_api_*` or `openrouter_api_*` tables),
/// read on one connection of its own.
///
/// The reference's schema is a suggestion its users adapted, so columns are looked up first: a column that is
/// not there reads as NULL, a table that is not there as no rows. Timestamps are read as seconds since 1970.
struct ReferenceTables {
    /// One key with its state and statistics, as the reference stores them.
    struct KeyRow: Sendable {
        var secret: String
        var username: String?
        var status: String?
        var createdAt: Double?
        var expiresAt: Double?
        var failedUntil: Double?
        var disabledUntil: Double?
        var consecutiveFailures: Int64?
        var requests: Int64?
        var successes: Int64?
        var failures: Int64?
        var lastUsed: Double?
        var lastSuccess: Double?
        var lastFailure: Double?
    }

    /// One client token; the reference stores it in plain.
    struct TokenRow: Sendable {
        var token: String
        var name: String?
        var createdAt: Double?
        var expiresAt: Double?
        var requestCount: Int64?
    }

    /// The totals row (`id = 'global'`).
    struct Totals: Sendable {
        var requests: Int64
        var successes: Int64
        var failures: Int64
    }

    let connection: PostgresConnection
    let logger: Logger

    /// The table prefix of a provider: `ollama_api_` or `openrouter_api_`.
    static func prefix(_ provider: ProviderID) -> String { "\(provider.rawValue)_api_" }

    /// The columns of `table` in the search path, empty when there is no such table.
    func columns(of table: String) async throws -> Set<String> {
        let rows = try await connection.query(
            """
            SELECT column_name::text FROM information_schema.columns
            WHERE table_name = \(table) AND table_schema = ANY(current_schemas(false))
            """, logger: logger)
        var names = Set<String>()
        for try await name in rows.decode(String.self) { names.insert(name) }
        return names
    }

    /// The provider's keys with their statistics, oldest first, handed to `each` in chunks of `chunkSize` as
    /// they are read: a reference of 100,000 keys is never held whole (the rows stream from the server).
    /// - Returns: false when the provider has no keys table.
    func keys(
        _ provider: ProviderID, chunkSize: Int = 5_000, each: ([KeyRow]) async throws -> Void
    ) async throws -> Bool {
        let keysTable = Self.prefix(provider) + "keys"
        let statsTable = Self.prefix(provider) + "key_stats"
        let keyColumns = try await columns(of: keysTable)
        guard keyColumns.contains("api_key") else { return false }
        let statsColumns = try await columns(of: statsTable)
        let hasStats = statsColumns.contains("api_key")
        let k = Columns(available: keyColumns, alias: "k")
        let s = Columns(available: hasStats ? statsColumns : [], alias: "s")
        let sql = """
            SELECT k.api_key::text, \(k.text("username")), \(k.text("status")), \(k.epoch("created_at")),
                   \(k.epoch("expires_at")), \(k.epoch("failed_until")), \(k.epoch("disabled_until")),
                   \(k.count("consecutive_failures")), \(s.count("total_requests")), \(s.count("success_count")),
                   \(s.count("failure_count")), \(s.epoch("last_used")), \(s.epoch("last_success")),
                   \(s.epoch("last_failure"))
            FROM \(keysTable) k
            \(hasStats ? "LEFT JOIN \(statsTable) s ON s.api_key = k.api_key" : "")
            WHERE k.api_key IS NOT NULL
            ORDER BY \(keyColumns.contains("created_at") ? "k.created_at NULLS LAST, " : "")k.api_key
            """
        var chunk: [KeyRow] = []
        chunk.reserveCapacity(chunkSize)
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        for try await c in rows.decode(
            (
                String, String?, String?, Double?, Double?, Double?, Double?, Int64?, Int64?, Int64?, Int64?,
                Double?, Double?, Double?
            ).self)
        {
            chunk.append(
                KeyRow(
                    secret: c.0, username: c.1, status: c.2, createdAt: c.3, expiresAt: c.4, failedUntil: c.5,
                    disabledUntil: c.6, consecutiveFailures: c.7, requests: c.8, successes: c.9, failures: c.10,
                    lastUsed: c.11, lastSuccess: c.12, lastFailure: c.13))
            if chunk.count >= chunkSize {
                try await each(chunk)
                chunk.removeAll(keepingCapacity: true)
            }
        }
        if !chunk.isEmpty { try await each(chunk) }
        return true
    }

    /// The provider's client tokens; nil when it has no tokens table.
    func tokens(_ provider: ProviderID) async throws -> [TokenRow]? {
        let table = Self.prefix(provider) + "client_tokens"
        let available = try await columns(of: table)
        guard available.contains("token") else { return nil }
        let t = Columns(available: available, alias: "t")
        let sql = """
            SELECT t.token::text, \(t.text("name")), \(t.epoch("created_at")), \(t.epoch("expires_at")),
                   \(t.count("request_count"))
            FROM \(table) t WHERE t.token IS NOT NULL ORDER BY t.token
            """
        var tokens: [TokenRow] = []
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        for try await c in rows.decode((String, String?, Double?, Double?, Int64?).self) {
            tokens.append(TokenRow(token: c.0, name: c.1, createdAt: c.2, expiresAt: c.3, requestCount: c.4))
        }
        return tokens
    }

    /// The provider's totals row; nil when there is none.
    func totals(_ provider: ProviderID) async throws -> Totals? {
        let table = Self.prefix(provider) + "global_stats"
        let available = try await columns(of: table)
        guard available.contains("total_requests") else { return nil }
        let g = Columns(available: available, alias: "g")
        let filter = available.contains("id") ? "WHERE g.id = 'global'" : ""
        let sql = """
            SELECT coalesce(sum(\(g.count("total_requests"))), 0)::int8,
                   coalesce(sum(\(g.count("success_count"))), 0)::int8,
                   coalesce(sum(\(g.count("failure_count"))), 0)::int8, count(*)::int8
            FROM \(table) g \(filter)
            """
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        for try await c in rows.decode((Int64, Int64, Int64, Int64).self) where c.3 > 0 {
            return Totals(requests: c.0, successes: c.1, failures: c.2)
        }
        return nil
    }

    /// Column expressions of one table: the column cast to the type read, or NULL when it is not there.
    /// Names come from this file only, never from the database or the user.
    private struct Columns {
        let available: Set<String>
        let alias: String

        func text(_ name: String) -> String {
            available.contains(name) ? "\(alias).\(name)::text" : "NULL::text"
        }

        func epoch(_ name: String) -> String {
            available.contains(name) ? "extract(epoch from \(alias).\(name))::float8" : "NULL::float8"
        }

        func count(_ name: String) -> String {
            available.contains(name) ? "\(alias).\(name)::int8" : "NULL::int8"
        }
    }
}
