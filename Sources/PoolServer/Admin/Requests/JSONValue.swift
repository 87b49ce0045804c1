import Foundation

/// Any JSON value, as decoded: the items of an import array, which may be strings, objects or anything else
/// a client sends (`ImportParser` reports the rest line by line instead of failing the request).
enum JSONValue: Decodable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Tries the kinds in the order imports hold them most (strings, then objects), so a 100,000-item array
    /// of strings decodes without a failed attempt per item.
    init(from decoder: any Decoder) throws {
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            self = .null
        } else if let text = try? single.decode(String.self) {
            self = .string(text)
        } else if let object = try? single.decode([String: JSONValue].self) {
            self = .object(object)
        } else if let number = try? single.decode(Double.self) {
            self = .number(number)
        } else if let flag = try? single.decode(Bool.self) {
            self = .bool(flag)
        } else {
            self = .array(try single.decode([JSONValue].self))
        }
    }

    /// The value as `JSONSerialization` hands it out, which is what `ImportParser.parse(jsonArray:)` reads.
    var foundationValue: Any {
        switch self {
        case .null: NSNull()
        case .bool(let flag): flag
        case .number(let number): number
        case .string(let text): text
        case .array(let items): items.map(\.foundationValue)
        case .object(let fields): fields.mapValues(\.foundationValue)
        }
    }
}
