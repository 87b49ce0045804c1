import Foundation
import NIOCore

/// The one way the gateway writes JSON: admin answers, error bodies in every dialect, stream error events and
/// probe requests. Keys sorted, slashes unescaped, dates in ISO 8601.
enum JSONWriter {
    /// How property names become JSON keys.
    enum KeyStyle {
        /// `createdAt` → `created_at`: every admin answer.
        case snakeCase
        /// As declared: the reference's camelCase public statistics, and wire shapes declared in their own case.
        case asDeclared
    }

    static func data<T: Encodable>(_ value: T, keys: KeyStyle = .snakeCase) throws -> Data {
        let encoder = JSONEncoder()
        if keys == .snakeCase { encoder.keyEncodingStrategy = .convertToSnakeCase }
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    static func buffer<T: Encodable>(_ value: T, keys: KeyStyle = .snakeCase) throws -> ByteBuffer {
        ByteBuffer(bytes: try data(value, keys: keys))
    }

    /// For values whose encoding cannot fail (string and number fields only), such as error bodies.
    static func text<T: Encodable>(_ value: T) -> String {
        String(decoding: (try? data(value, keys: .asDeclared)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
