import Foundation
import PoolCore
import PostgresNIO

/// The change feed: a change transaction first bumps the one-row revision counter (its row lock orders change
/// transactions, so revisions commit in order and a reader never skips one still in flight), then logs its
/// items under that revision; a running server polls `revision()` and reads `changes(after:)`.
extension PostgresStore {
    /// Bumps the revision for this transaction and logs `items` of `kind` under it.
    func logChanges(_ kind: String, items: [String], _ connection: PostgresConnection) async throws {
        guard !items.isEmpty else { return }
        let revision = try await bumpRevision(connection)
        try await logChanges(kind, items: items, revision: revision, connection)
    }

    /// Takes the next revision for this transaction. The revision row stays locked until the transaction ends,
    /// which orders change transactions: revisions commit in order, so a reader never skips one still in flight.
    func bumpRevision(_ connection: PostgresConnection) async throws -> Int64 {
        let rows = try await connection.query(
            "UPDATE store_revision SET rev = rev + 1 WHERE id = 1 RETURNING rev", logger: logger)
        var revision: Int64 = 0
        for try await value in rows.decode(Int64.self) { revision = value }
        return revision
    }

    /// Logs `items` of `kind` under `revision` (taken by `bumpRevision` in this transaction) and wakes the
    /// other instances when it commits.
    func logChanges(
        _ kind: String, items: [String], revision: Int64, _ connection: PostgresConnection
    ) async throws {
        guard !items.isEmpty else { return }
        // Delivered when (and only if) the transaction commits: other instances' LISTEN connections wake up.
        try await connection.query("SELECT pg_notify(\(Self.changeChannel), \(String(revision)))", logger: logger)
        let now = Date().timeIntervalSince1970
        for chunk in PostgresArrays.chunks(items) {
            let chunkItems = Array(chunk)
            try await connection.query(
                """
                INSERT INTO change_log (rev, origin, kind, item, at)
                SELECT \(revision), \(origin), \(kind), item, \(now) FROM unnest(\(chunkItems)::text[]) AS t(item)
                """, logger: logger)
        }
    }

    public func revision() async throws -> Int64 {
        try checkOpen()
        return try await connection { connection in
            let rows = try await connection.query("SELECT rev FROM store_revision WHERE id = 1", logger: self.logger)
            var revision: Int64 = 0
            for try await value in rows.decode(Int64.self) { revision = value }
            return revision
        }
    }

    /// Reads the logged changes of other writers after `revision`, and the keys and tokens they name as they are
    /// now, in one repeatable-read transaction.
    public func changes(after revision: Int64) async throws -> StoreChanges {
        try checkOpen()
        return try await transaction { connection in
            try await connection.query(
                "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: self.logger)
            var changes = StoreChanges(revision: revision)
            let current = try await connection.query(
                "SELECT rev FROM store_revision WHERE id = 1", logger: self.logger)
            for try await value in current.decode(Int64.self) { changes.revision = value }
            var keyIDs = Set<String>()
            var ranges: [(Int64, Int64)] = []
            var tokenIDs = Set<String>()
            var healthIDs = Set<String>()
            var providerNames = Set<String>()
            let rows = try await connection.query(
                """
                SELECT kind, item FROM change_log WHERE rev > \(revision) AND origin <> \(self.origin) ORDER BY rev
                """, logger: self.logger)
            for try await (kind, item) in rows.decode((String, String).self) {
                switch kind {
                case ChangeKind.keysAdded:
                    let bounds = item.split(separator: ":").compactMap { Int64($0) }
                    if bounds.count == 2 { ranges.append((bounds[0], bounds[1])) }
                case ChangeKind.key: keyIDs.insert(item)
                case ChangeKind.token: tokenIDs.insert(item)
                case ChangeKind.keyHealth: healthIDs.insert(item)
                case ChangeKind.provider: providerNames.insert(item)
                default: continue
                }
            }
            var found = Set<String>()
            for (first, last) in ranges {
                let keys = try await connection.query(
                    "\(unescaped: Self.keyColumns) WHERE seq BETWEEN \(first) AND \(last) ORDER BY seq",
                    logger: self.logger)
                for try await row in keys {
                    let key = try self.keyRecord(row.makeRandomAccess())
                    if found.insert(key.id).inserted { changes.keys.append(key) }
                }
            }
            let wanted = Array(keyIDs.subtracting(found))
            if !wanted.isEmpty {
                let keys = try await connection.query(
                    "\(unescaped: Self.keyColumns) WHERE id = ANY(\(wanted)::text[]) ORDER BY seq", logger: self.logger)
                for try await row in keys {
                    let key = try self.keyRecord(row.makeRandomAccess())
                    found.insert(key.id)
                    changes.keys.append(key)
                }
                changes.removedKeyIDs = wanted.filter { !found.contains($0) }.sorted()
            }
            // Health another instance decided, unless the key came whole above (it carries the same health).
            let healthOnly = Array(healthIDs.subtracting(found).subtracting(keyIDs)).sorted()
            if !healthOnly.isEmpty {
                let rows = try await connection.query(
                    """
                    SELECT id, status, status_until, status_reason, consecutive_failures, consecutive_rate_limits,
                           failure_disables
                    FROM keys WHERE id = ANY(\(healthOnly)::text[]) ORDER BY id
                    """, logger: self.logger)
                for try await (id, status, until, reason, failures, rateLimits, disables) in rows.decode(
                    (String, String, Double?, String?, Int64, Int64, Int64).self)
                {
                    let condition = StoredCondition(status: status, until: until, reason: reason).condition
                    changes.health.append(
                        KeyHealthRecord(
                            keyID: id,
                            health: KeyHealth(
                                condition: condition, consecutiveFailures: Int(failures),
                                consecutiveRateLimits: Int(rateLimits), failureDisables: Int(disables))))
                }
            }
            let tokens = Array(tokenIDs)
            if !tokens.isEmpty {
                let rows = try await connection.query(
                    """
                    SELECT id, name, token_hash, prefix, created_at, expires_at, provider, request_count, policy
                    FROM client_tokens WHERE id = ANY(\(tokens)::text[]) ORDER BY created_at, id
                    """, logger: self.logger)
                var present = Set<String>()
                for try await row in rows {
                    let token = try Self.tokenRecord(row)
                    present.insert(token.id)
                    changes.tokens.append(token)
                }
                changes.removedTokenIDs = tokens.filter { !present.contains($0) }.sorted()
            }
            let names = providerNames.sorted()
            if !names.isEmpty {
                let rows = try await connection.query(
                    "SELECT name, definition FROM providers WHERE name = ANY(\(names)::text[]) ORDER BY name",
                    logger: self.logger)
                var present = Set<String>()
                for try await (name, text) in rows.decode((String, String).self) {
                    present.insert(name)
                    // A definition this version cannot read is left out, as at load.
                    if let definition = StoreColumns.decodeProvider(text) { changes.providers.append(definition) }
                }
                changes.removedProviders = names.filter { !present.contains($0) }.map(ProviderID.init(rawValue:))
            }
            return changes
        }
    }

    /// The columns `keyRecord(_:)` reads, in its order (without statistics: a changed key keeps its counters).
    static let keyColumns = """
        SELECT id, provider, secret, username, created_at, expires_at, status, status_until, status_reason,
               consecutive_failures, consecutive_rate_limits, failure_disables, models, category, credit,
               base_url, weight, tier
        FROM keys
        """

    static func tokenRecord(_ row: PostgresRow) throws -> ClientTokenRecord {
        let (id, name, hash, prefix, created, expires, provider, count, policy) = try row.decode(
            (String, String, String, String, Double, Double?, String?, Int64, String?).self)
        return ClientTokenRecord(
            id: id, name: name, tokenHash: hash, prefix: prefix, createdAt: Date(timeIntervalSince1970: created),
            expiresAt: StoreColumns.date(expires), provider: provider.map(ProviderID.init(rawValue:)),
            requestCount: Int(count), policy: TokenPolicy.fromStored(policy))
    }
}
