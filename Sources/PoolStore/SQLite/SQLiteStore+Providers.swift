import Foundation
import GRDB
import PoolCore

/// Providers as configuration (issue #17): the definitions the admin API stored, and keys' weights and tiers.
/// Each change is logged for the change feed, so other instances apply it.
extension SQLiteStore {
    /// Creates or replaces the definition named `definition.name`; a replaced one keeps its place in the order.
    public func saveProvider(_ definition: ProviderDefinition) async throws {
        try checkOpen()
        let json = try StoreColumns.encodeProvider(definition)
        try await pool.write { [origin] db in
            let now = Date().timeIntervalSince1970
            try db.execute(
                sql: """
                    INSERT INTO providers (name, definition, created_at, updated_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT(name) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at
                    """,
                arguments: [definition.name.rawValue, json, now, now])
            try Self.logChange(ChangeKind.provider, item: definition.name.rawValue, origin: origin, db)
        }
    }

    /// Deletes a stored definition; the provider's keys stay.
    /// - Returns: false when none had the name.
    public func deleteProvider(name: ProviderID) async throws -> Bool {
        try checkOpen()
        return try await pool.write { [origin] db in
            try db.execute(sql: "DELETE FROM providers WHERE name = ?", arguments: [name.rawValue])
            guard db.changesCount > 0 else { return false }
            try Self.logChange(ChangeKind.provider, item: name.rawValue, origin: origin, db)
            return true
        }
    }

    /// Replaces existing keys' weight and tier in one transaction and logs each key that changed as a `key`
    /// change (another instance reads it back whole, with its new placement); unknown ids change nothing.
    public func updateKeyPlacements(_ records: [KeyPlacementRecord]) async throws {
        try checkOpen()
        guard !records.isEmpty else { return }
        try await pool.write { [origin] db in
            let statement = try db.makeStatement(sql: "UPDATE keys SET weight = ?, tier = ? WHERE id = ?")
            var updated: [String] = []
            for record in records {
                try statement.execute(arguments: [record.placement.weight, record.placement.tier, record.keyID])
                if db.changesCount > 0 { updated.append(record.keyID) }
            }
            try Self.logChanges(ChangeKind.key, items: updated, origin: origin, db)
        }
    }

    /// The stored definitions in the order they were created; a row whose JSON this version cannot read is
    /// skipped (the others load).
    static func loadProviders(_ db: Database) throws -> [ProviderDefinition] {
        let rows = try String.fetchAll(db, sql: "SELECT definition FROM providers ORDER BY created_at, name")
        return rows.compactMap(StoreColumns.decodeProvider)
    }
}
