import Foundation
import PoolCore

/// Column encodings shared by the store's reads and writes.
enum StoreColumns {
    static func seconds(_ date: Date?) -> Double? {
        date?.timeIntervalSince1970
    }

    static func date(_ seconds: Double?) -> Date? {
        seconds.map(Date.init(timeIntervalSince1970:))
    }

    /// The `models` column: a JSON array of strings.
    static func encodeModels(_ models: [String]) -> String {
        // Most keys are inserted before their models are known; skip the encoder for them.
        if models.isEmpty { return "[]" }
        guard let data = try? JSONEncoder().encode(models) else { return "[]" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads the `models` column; anything but a JSON array of strings counts as "not yet known".
    static func decodeModels(_ text: String?) -> [String] {
        guard let text, text != "[]" else { return [] }
        return (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }
}
