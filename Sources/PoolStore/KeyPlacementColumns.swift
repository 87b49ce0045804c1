import Foundation
import PoolCore

/// Column encodings of issue #17's key and provider columns, shared by the SQLite and PostgreSQL stores.
extension StoreColumns {
    /// A key's placement from its `weight` and `tier` columns, held to the ranges the pool accepts (a row edited
    /// by hand cannot give a key no share of the picks, or a tier the selection does not know).
    static func placement(weight: Int, tier: Int) -> KeyPlacement {
        KeyPlacement(
            weight: min(max(weight, KeyPlacement.weights.lowerBound), KeyPlacement.weights.upperBound),
            tier: min(max(tier, KeyPlacement.tiers.lowerBound), KeyPlacement.tiers.upperBound))
    }

    /// The `providers.definition` column: the definition as JSON with sorted keys (snake_case, as in the file).
    static func encodeProvider(_ definition: ProviderDefinition) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(definition), as: UTF8.self)
    }

    /// Reads the `providers.definition` column; nil for JSON this version cannot read (a row written by a newer
    /// version, or edited by hand), which the store skips rather than failing the load.
    static func decodeProvider(_ text: String) -> ProviderDefinition? {
        try? JSONDecoder().decode(ProviderDefinition.self, from: Data(text.utf8))
    }
}
