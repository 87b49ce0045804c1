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
        guard var value else { return nil }
        return value.withUTF8 { bytes -> String? in
            let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
            var start = 0
            var end = bytes.count
            while start < end, isBlank(bytes[start]) { start += 1 }
            while end > start, isBlank(bytes[end - 1]) { end -= 1 }
            let scheme: StaticString = "bearer "
            let schemeCount = scheme.utf8CodeUnitCount
            guard end - start > schemeCount else { return nil }
            for index in 0..<schemeCount where bytes[start + index] | 0x20 != scheme.utf8Start[index] { return nil }
            start += schemeCount
            while start < end, isBlank(bytes[start]) { start += 1 }
            guard start < end else { return nil }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        }
    }
}
