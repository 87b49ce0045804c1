import Foundation
import PoolCore
import PostgresNIO

/// Providers as configuration (issue #17), as SQLite's (`SQLiteStore+Providers`). Each change transaction takes
/// the revision first (`bumpRevision`), as every logged change does, so change transactions lock in one order.
extension PostgresStore {
    /// Creates or replaces the definition named `definition.name`; a replaced one keeps its place in the order.
    public func saveProvider(_ definition: ProviderDefinition) async throws {
        try checkOpen()
        let name = definition.name.rawValue
        let json = try StoreColumns.encodeProvider(definition)
        let now = Date().timeIntervalSince1970
        try await transaction { connection in
            let revision = try await self.bumpRevision(connection)
            try await connection.query(
                """
                INSERT INTO providers (name, definition, created_at, updated_at)
                VALUES (\(name), \(json), \(now), \(now))
                ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at
                """, logger: self.logger)
            try await self.logChanges(ChangeKind.provider, items: [name], revision: revision, connection)
        }
    }

    /// Deletes a stored definition; the provider's keys stay.
    /// - Returns: false when none had the name.
    public func deleteProvider(name: ProviderID) async throws -> Bool {
        try checkOpen()
        let name = name.rawValue
        return try await transaction { connection in
            let revision = try await self.bumpRevision(connection)
            let rows = try await connection.query(
                "DELETE FROM providers WHERE name = \(name) RETURNING name", logger: self.logger)
            var deleted = false
            for try await _ in rows.decode(String.self) { deleted = true }
            if deleted {
                try await self.logChanges(ChangeKind.provider, items: [name], revision: revision, connection)
            }
            return deleted
        }
    }

    /// Replaces existing keys' weight and tier and logs each key that changed as a `key` change (another instance
    /// reads it back whole, with its new placement); unknown ids change nothing.
    public func updateKeyPlacements(_ records: [KeyPlacementRecord]) async throws {
        try checkOpen()
        guard !records.isEmpty else { return }
        let latest = Self.lastPerID(records, id: \.keyID)
        try await transaction { connection in
            let revision = try await self.bumpRevision(connection)
            var updated: [String] = []
            for chunk in PostgresArrays.chunks(latest) {
                let ids = chunk.map(\.keyID)
                let weights = chunk.map { Int64($0.placement.weight) }
                let tiers = chunk.map { Int64($0.placement.tier) }
                let rows = try await connection.query(
                    """
                    UPDATE keys SET weight = u.weight, tier = u.tier
                    FROM unnest(\(ids)::text[], \(weights)::int8[], \(tiers)::int8[]) AS u(id, weight, tier)
                    WHERE keys.id = u.id
                    RETURNING keys.id
                    """, logger: self.logger)
                for try await id in rows.decode(String.self) { updated.append(id) }
            }
            try await self.logChanges(ChangeKind.key, items: updated.sorted(), revision: revision, connection)
        }
    }

    /// The stored definitions in the order they were created; a row whose JSON this version cannot read is
    /// skipped (the others load).
    func loadProviders(_ connection: PostgresConnection) async throws -> [ProviderDefinition] {
        let rows = try await connection.query(
            "SELECT definition FROM providers ORDER BY created_at, name", logger: logger)
        var definitions: [ProviderDefinition] = []
        for try await text in rows.decode(String.self) {
            if let definition = StoreColumns.decodeProvider(text) { definitions.append(definition) }
        }
        return definitions
    }
}
