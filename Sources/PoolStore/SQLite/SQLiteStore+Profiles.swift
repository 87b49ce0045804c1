import Foundation
import GRDB
import PoolCore

/// Writing what probes learned about keys: models, category and credit.
extension SQLiteStore {
    /// Replaces models, category and credit of existing keys in one transaction; unknown ids change no row.
    public func updateKeyProfiles(_ records: [KeyProfileRecord]) async throws {
        try checkOpen()
        guard !records.isEmpty else { return }
        try await pool.write { db in
            let statement = try db.makeStatement(
                sql: "UPDATE keys SET models = ?, category = ?, credit = ? WHERE id = ?")
            for record in records {
                try statement.execute(arguments: [
                    StoreColumns.encodeModels(record.models), record.category,
                    StoreColumns.encodeCredit(record.credit), record.keyID,
                ])
            }
        }
    }
}

extension StoreColumns {
    /// The `credit` column: `KeyCredit` as JSON with dates in seconds since 1970, like every other date column.
    static func encodeCredit(_ credit: KeyCredit?) -> String? {
        guard let credit else { return nil }
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = .sortedKeys
        guard let data = try? encoder.encode(credit) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads the `credit` column; anything unreadable counts as "never asked" rather than failing the load.
    static func decodeCredit(_ text: String?) -> KeyCredit? {
        guard let text else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return try? decoder.decode(KeyCredit.self, from: Data(text.utf8))
    }
}
