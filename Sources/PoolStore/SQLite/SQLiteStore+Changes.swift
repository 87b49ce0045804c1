import Foundation
import GRDB
import PoolCore

/// The change feed: every change another process should pick up is logged in `change_log` in its own
/// transaction; a running server polls `revision()` and reads `changes(after:)`.
extension SQLiteStore {
    /// Change log rows older than this are pruned at open; a reader further behind reloads nothing it missed
    /// and should restart.
    static let changeLogRetention: TimeInterval = 86_400

    static func logChange(_ kind: String, item: String, origin: String, _ db: Database) throws {
        try db.execute(
            sql: "INSERT INTO change_log (origin, kind, item, at) VALUES (?, ?, ?, ?)",
            arguments: [origin, kind, item, Date().timeIntervalSince1970])
    }

    static func logChanges(_ kind: String, items: [String], origin: String, _ db: Database) throws {
        guard !items.isEmpty else { return }
        let statement = try db.cachedStatement(
            sql: "INSERT INTO change_log (origin, kind, item, at) VALUES (?, ?, ?, ?)")
        let now = Date().timeIntervalSince1970
        for item in items { try statement.execute(arguments: [origin, kind, item, now]) }
    }

    static func pruneChangeLog(_ db: Database) throws {
        try db.execute(
            sql: "DELETE FROM change_log WHERE at < ?",
            arguments: [Date().timeIntervalSince1970 - changeLogRetention])
    }

    public func revision() async throws -> Int64 {
        try checkOpen()
        return try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT max(rev) FROM change_log") ?? 0 }
    }

    /// Reads the logged changes of other writers after `revision`, and the keys and tokens they name as they are
    /// now, in one read transaction.
    public func changes(after revision: Int64) async throws -> StoreChanges {
        try checkOpen()
        return try await pool.read { [cipher, origin] db in
            var changes = StoreChanges(revision: revision)
            var keyIDs: [String] = []
            var ranges: [(Int64, Int64)] = []
            var tokenIDs: [String] = []
            var healthIDs: [String] = []
            var providerNames: [String] = []
            let rows = try Row.fetchCursor(
                db, sql: "SELECT rev, origin, kind, item FROM change_log WHERE rev > ? ORDER BY rev",
                arguments: [revision])
            while let row = try rows.next() {
                changes.revision = row[0]
                guard (row[1] as String) != origin else { continue }
                let item: String = row[3]
                switch row[2] as String {
                case ChangeKind.keysAdded:
                    let bounds = item.split(separator: ":").compactMap { Int64($0) }
                    if bounds.count == 2 { ranges.append((bounds[0], bounds[1])) }
                case ChangeKind.key: keyIDs.append(item)
                case ChangeKind.token: tokenIDs.append(item)
                case ChangeKind.keyHealth: healthIDs.append(item)
                case ChangeKind.provider: providerNames.append(item)
                default: continue
                }
            }
            var found = Set<String>()
            for (first, last) in ranges {
                let keys = try Row.fetchCursor(
                    db, sql: "\(Self.keyColumns) WHERE rowid BETWEEN ? AND ? ORDER BY rowid", arguments: [first, last])
                while let row = try keys.next() {
                    let key = try Self.keyRecord(row, cipher: cipher)
                    if found.insert(key.id).inserted { changes.keys.append(key) }
                }
            }
            for id in Set(keyIDs) where !found.contains(id) {
                if let row = try Row.fetchOne(db, sql: "\(Self.keyColumns) WHERE id = ?", arguments: [id]) {
                    changes.keys.append(try Self.keyRecord(row, cipher: cipher))
                } else {
                    changes.removedKeyIDs.append(id)
                }
            }
            // Health another instance decided, unless the key came whole above (it carries the same health).
            for id in Set(healthIDs) where !found.contains(id) && !keyIDs.contains(id) {
                if let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT status, status_until, status_reason, consecutive_failures, consecutive_rate_limits,
                               failure_disables
                        FROM keys WHERE id = ?
                        """, arguments: [id])
                {
                    changes.health.append(KeyHealthRecord(keyID: id, health: Self.health(row)))
                }
            }
            changes.health.sort { $0.keyID < $1.keyID }
            for id in Set(tokenIDs) {
                if let row = try Row.fetchOne(
                    db,
                    sql: """
                        \(Self.tokenColumns) FROM client_tokens WHERE id = ?
                        """, arguments: [id])
                {
                    changes.tokens.append(Self.tokenRecord(row))
                } else {
                    changes.removedTokenIDs.append(id)
                }
            }
            for name in Set(providerNames).sorted() {
                if let text = try String.fetchOne(
                    db, sql: "SELECT definition FROM providers WHERE name = ?", arguments: [name])
                {
                    // A definition this version cannot read is left out, as at load.
                    if let definition = StoreColumns.decodeProvider(text) { changes.providers.append(definition) }
                } else {
                    changes.removedProviders.append(ProviderID(rawValue: name))
                }
            }
            changes.removedKeyIDs.sort()
            changes.removedTokenIDs.sort()
            return changes
        }
    }

    /// The columns `keyRecord(_:cipher:)` reads, in its order.
    static let keyColumns = """
        SELECT id, provider, secret, username, created_at, expires_at, status, status_until, status_reason,
               consecutive_failures, consecutive_rate_limits, failure_disables, models, category, credit,
               base_url, weight, tier
        FROM keys
        """

    /// A key's health from the six columns status, status_until, status_reason, consecutive_failures,
    /// consecutive_rate_limits, failure_disables (in this order, from index 0).
    static func health(_ row: Row) -> KeyHealth {
        KeyHealth(
            condition: StoredCondition(status: row[0], until: row[1], reason: row[2]).condition,
            consecutiveFailures: row[3], consecutiveRateLimits: row[4], failureDisables: row[5])
    }

    static func tokenRecord(_ row: Row) -> ClientTokenRecord {
        let provider: String? = row[6]
        return ClientTokenRecord(
            id: row[0], name: row[1], tokenHash: row[2], prefix: row[3],
            createdAt: Date(timeIntervalSince1970: row[4]), expiresAt: StoreColumns.date(row[5]),
            provider: provider.map(ProviderID.init(rawValue:)), requestCount: row[7],
            policy: TokenPolicy.fromStored(row[8]))
    }

    /// The columns `tokenRecord(_:)` reads, in its order.
    static let tokenColumns =
        "SELECT id, name, token_hash, prefix, created_at, expires_at, provider, request_count, policy"

}
