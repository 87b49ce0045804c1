import Foundation

/// A type an admin body field can have, with the words the 400 uses when the field has another type.
protocol BodyValue: Decodable, Sendable {
    /// What the field must be, e.g. `a string`; `error` tells a wrong array from a wrong element.
    static func expectation(_ error: DecodingError) -> String
}

extension String: BodyValue {
    static func expectation(_ error: DecodingError) -> String { "a string" }
}

/// JSON booleans are not numbers here: `JSONDecoder` refuses `true` as a `Double`, as the old accessors did.
extension Double: BodyValue {
    static func expectation(_ error: DecodingError) -> String { "a number" }
}

extension Array: BodyValue where Element == String {
    /// The path of an element's error goes one level below the field's.
    static func expectation(_ error: DecodingError) -> String {
        error.codingPath.count > 1 ? "an array of strings" : "an array"
    }
}

extension DecodingError {
    /// Where in the document the error is.
    var codingPath: [any CodingKey] {
        switch self {
        case .dataCorrupted(let context): context.codingPath
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context):
            context.codingPath
        @unknown default: []
        }
    }
}
