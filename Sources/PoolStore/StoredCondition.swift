import Foundation
import PoolCore

/// A `KeyCondition` as the three columns `status`, `status_until` and `status_reason` hold it.
///
/// The mapping is lossless in both directions for every condition the pool produces; reading is lenient
/// about rows no writer of this store produces, so a hand-edited database cannot stop the gateway.
struct StoredCondition: Equatable {
    var status: String
    /// Seconds since 1970.
    var until: Double?
    var reason: String?

    init(status: String, until: Double?, reason: String?) {
        self.status = status
        self.until = until
        self.reason = reason
    }

    init(_ condition: KeyCondition) {
        switch condition {
        case .active:
            self.init(status: "active", until: nil, reason: nil)
        case .cooling(let until, let reason):
            self.init(status: "cooling", until: until.timeIntervalSince1970, reason: reason)
        case .disabled(let until, let reason):
            self.init(status: "disabled", until: until?.timeIntervalSince1970, reason: reason)
        case .invalid(let reason):
            self.init(status: "invalid", until: nil, reason: reason)
        }
    }

    var condition: KeyCondition {
        switch status {
        case "cooling":
            // A cooling window without an end has no meaning; the key is simply usable.
            guard let until else { return .active }
            return .cooling(until: Date(timeIntervalSince1970: until), reason: reason ?? "")
        case "disabled":
            return .disabled(until: until.map(Date.init(timeIntervalSince1970:)), reason: reason ?? "")
        case "invalid":
            return .invalid(reason: reason ?? "")
        default:
            return .active
        }
    }
}

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
