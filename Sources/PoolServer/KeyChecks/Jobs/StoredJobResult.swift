import Foundation

/// A job's result as read back from the store: the JSON the admin API showed, re-encoded as it was.
///
/// The result is stored with the API's own key style (snake case), which re-encoding leaves as it is.
indirect enum StoredJobResult: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([StoredJobResult])
    case object([String: StoredJobResult])

    /// Reads stored JSON; nil when there is none or it is unreadable (the job is still shown, without result).
    static func parse(_ text: String?) -> StoredJobResult? {
        guard let text else { return nil }
        return try? JSONDecoder().decode(StoredJobResult.self, from: Data(text.utf8))
    }

    init(from decoder: any Decoder) throws {
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            self = .null
        } else if let flag = try? single.decode(Bool.self) {
            self = .bool(flag)
        } else if let whole = try? single.decode(Int.self) {
            self = .integer(whole)
        } else if let number = try? single.decode(Double.self) {
            self = .number(number)
        } else if let text = try? single.decode(String.self) {
            self = .string(text)
        } else if let object = try? single.decode([String: StoredJobResult].self) {
            self = .object(object)
        } else {
            self = .array(try single.decode([StoredJobResult].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var single = encoder.singleValueContainer()
        switch self {
        case .null: try single.encodeNil()
        case .bool(let flag): try single.encode(flag)
        case .integer(let whole): try single.encode(whole)
        case .number(let number): try single.encode(number)
        case .string(let text): try single.encode(text)
        case .array(let items): try single.encode(items)
        case .object(let fields): try single.encode(fields)
        }
    }
}
