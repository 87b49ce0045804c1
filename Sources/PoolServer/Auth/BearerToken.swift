import HTTPTypes
import Hummingbird

/// Reads credentials the way every route accepts them.
enum BearerToken {
    /// The token from `Authorization: Bearer …` (scheme case-insensitive).
    static func from(_ headers: HTTPFields) -> String? {
        from(authorization: headers[.authorization])
    }

    /// The token an `Authorization` header's value carries as `Bearer …` (scheme case-insensitive).
    static func from(authorization value: String?) -> String? {
        guard let value else { return nil }
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        var text = Substring(value).utf8
        while let first = text.first, isBlank(first) { text.removeFirst() }
        while let last = text.last, isBlank(last) { text.removeLast() }
        let scheme = "bearer ".utf8
        guard text.count > scheme.count,
            zip(text, scheme).allSatisfy({ $0 | 0x20 == $1 })
        else { return nil }
        text.removeFirst(scheme.count)
        while let first = text.first, isBlank(first) { text.removeFirst() }
        return text.isEmpty ? nil : String(Substring(text))
    }
}
