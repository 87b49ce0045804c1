/// A validating, allocation-light JSON reader for the request path: it checks that bytes are one well-formed
/// JSON value (RFC 8259) and hands back a few top-level members of an object, without building a document.
/// Decoding a whole chat body only to read `model` and `stream` costs more than everything else the gateway does.
public struct JSONScanner: ~Copyable {
    /// A top-level member's value, as far as the gateway cares.
    public enum Value: Equatable, Sendable {
        case string(String)
        case bool(Bool)
        case integer(Int)
        /// A number that is not an integer a machine word holds, `null`, an object or an array.
        case other
    }

    public enum Failure: Error, Equatable, Sendable {
        /// Not JSON at all (or not only one JSON value).
        case malformed
        /// Well-formed JSON whose top level is not an object.
        case notAnObject
        /// Nested deeper than `maximumDepth`.
        case tooDeep
    }

    /// Up to four member names to read, as bytes, prepared once (a `static let` where the request path asks).
    public struct MemberNames: Sendable, ExpressibleByArrayLiteral {
        public static let capacity = 4
        let names: [[UInt8]]

        public init(_ names: [String]) {
            precondition(names.count <= Self.capacity, "at most \(Self.capacity) member names")
            self.names = names.map { Array($0.utf8) }
        }

        public init(arrayLiteral names: String...) { self.init(names) }
    }

    /// The values of the members asked for, by the position of their name: no dictionary, no hashing.
    public struct Members: Sendable {
        let names: MemberNames
        private var slots: (Value?, Value?, Value?, Value?) = (nil, nil, nil, nil)

        init(names: MemberNames) { self.names = names }

        /// The value of the `index`-th name asked for, nil when the object has no such member.
        public subscript(index: Int) -> Value? {
            get {
                switch index {
                case 0: slots.0
                case 1: slots.1
                case 2: slots.2
                case 3: slots.3
                default: nil
                }
            }
            set {
                switch index {
                case 0: slots.0 = newValue
                case 1: slots.1 = newValue
                case 2: slots.2 = newValue
                case 3: slots.3 = newValue
                default: break
                }
            }
        }

        /// The members found, by name (for tests and tools; the request path reads by position).
        public var dictionary: [String: Value] {
            var found: [String: Value] = [:]
            for (index, name) in names.names.enumerated() {
                if let value = self[index] { found[String(decoding: name, as: UTF8.self)] = value }
            }
            return found
        }
    }

    /// Deeper nesting is refused rather than risking the stack; JSONDecoder draws the line at 512 too.
    public static let maximumDepth = 512

    let bytes: UnsafeRawBufferPointer
    var index = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Validates `bytes` as one JSON object and returns the values of the members named in `keys` (the last
    /// occurrence wins, as with JSONDecoder); members not asked for are checked and skipped.
    public static func members(
        of bytes: UnsafeRawBufferPointer, named keys: MemberNames
    ) throws(Failure) -> Members {
        var scanner = JSONScanner(bytes)
        scanner.skipWhitespace()
        guard scanner.peek == UInt8(ascii: "{") else {
            try scanner.skipValue(depth: 0)
            scanner.skipWhitespace()
            guard scanner.atEnd else { throw .malformed }
            throw .notAnObject
        }
        var found = Members(names: keys)
        try scanner.objectMembers(named: keys.names, into: &found, depth: 0)
        scanner.skipWhitespace()
        guard scanner.atEnd else { throw .malformed }
        return found
    }

    // MARK: Reading

    var atEnd: Bool { index >= bytes.count }
    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func expect(_ byte: UInt8) throws(Failure) {
        guard peek == byte else { throw .malformed }
        index += 1
    }

    /// Reads an object at `depth`, keeping the members named in `keys` in `found` (no keys: only checked).
    private mutating func objectMembers(
        named keys: [[UInt8]], into found: inout Members, depth: Int
    ) throws(Failure) {
        try expect(UInt8(ascii: "{"))
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            let keyStart = index
            let keyIsPlain = try skipString()
            let rawKey = UnsafeRawBufferPointer(rebasing: bytes[(keyStart + 1)..<(index - 1)])
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            let wanted = keys.isEmpty ? nil : keys.firstIndex { key in
                keyIsPlain ? rawKey.elementsEqual(key) : Self.decodeString(rawKey).utf8.elementsEqual(key)
            }
            if let wanted {
                found[wanted] = try value(depth: depth + 1)
            } else {
                try skipValue(depth: depth + 1)
            }
            skipWhitespace()
            switch peek ?? 0 {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return
            default: throw .malformed
            }
        }
    }

    /// Reads a member's value, keeping strings, booleans and integers.
    private mutating func value(depth: Int) throws(Failure) -> Value {
        let start = index
        switch peek ?? 0 {
        case UInt8(ascii: "\""):
            let plain = try skipString()
            let raw = UnsafeRawBufferPointer(rebasing: bytes[(start + 1)..<(index - 1)])
            return .string(plain ? String(decoding: raw, as: UTF8.self) : Self.decodeString(raw))
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            try skipValue(depth: depth)
            return .bool(bytes[start] == UInt8(ascii: "t"))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let isInteger = try skipNumber()
            guard isInteger else { return .other }
            return Self.integer(UnsafeRawBufferPointer(rebasing: bytes[start..<index])).map(Value.integer) ?? .other
        default:
            try skipValue(depth: depth)
            return .other
        }
    }

    mutating func skipValue(depth: Int) throws(Failure) {
        guard depth <= Self.maximumDepth else { throw .tooDeep }
        switch peek ?? 0 {
        case UInt8(ascii: "{"):
            var ignored = Members(names: Self.noNames)
            try objectMembers(named: [], into: &ignored, depth: depth)
        case UInt8(ascii: "["):
            index += 1
            skipWhitespace()
            if peek == UInt8(ascii: "]") {
                index += 1
                return
            }
            while true {
                skipWhitespace()
                try skipValue(depth: depth + 1)
                skipWhitespace()
                switch peek ?? 0 {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "]"):
                    index += 1
                    return
                default: throw .malformed
                }
            }
        case UInt8(ascii: "\""):
            _ = try skipString()
        case UInt8(ascii: "t"): try skipLiteral("true")
        case UInt8(ascii: "f"): try skipLiteral("false")
        case UInt8(ascii: "n"): try skipLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            _ = try skipNumber()
        default:
            throw .malformed
        }
    }

    private mutating func skipLiteral(_ literal: StaticString) throws(Failure) {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw .malformed }
        for offset in 0..<count where bytes[index + offset] != literal.utf8Start[offset] {
            throw .malformed
        }
        index += count
    }

    /// Where the run of eight-byte words from `start` that surely hold no `"`, `\\` or byte below 0x20 ends.
    /// (A word's test may suspect a byte that is fine, never miss one: the caller goes on byte by byte from there.)
    static func plainRun(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var position = start
        while position + 8 <= bytes.count {
            let word = bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self)
            let quote = word ^ (ones &* UInt64(UInt8(ascii: "\"")))
            let backslash = word ^ (ones &* UInt64(UInt8(ascii: "\\")))
            // A byte below 0x20: subtracting 0x20 borrows into its high bit, which was clear.
            let control = (word &- ones &* 0x20) & ~word
            let zeroQuote = (quote &- ones) & ~quote
            let zeroBackslash = (backslash &- ones) & ~backslash
            if (control | zeroQuote | zeroBackslash) & highs != 0 { break }
            position += 8
        }
        return position
    }

    /// Skips a string (the cursor on its opening quote); true when it holds no escapes, so its bytes are its text.
    mutating func skipString() throws(Failure) -> Bool {
        try expect(UInt8(ascii: "\""))
        var plain = true
        let end = bytes.count
        while true {
            // Most of a string is plain bytes (a chat's messages): run over them eight at a time, then one by one
            // from the word that holds a quote, a backslash or a control byte (or that the test only suspects).
            var position = Self.plainRun(bytes, from: index)
            while position < end {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { break }
                position += 1
            }
            index = position
            guard let byte = peek else { throw .malformed }
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return plain
            case UInt8(ascii: "\\"):
                plain = false
                index += 1
                guard let escaped = peek else { throw .malformed }
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    index += 1
                case UInt8(ascii: "u"):
                    guard bytes.count - index > 4 else { throw .malformed }
                    for offset in 1...4 where Self.hexValue(bytes[index + offset]) == nil { throw .malformed }
                    index += 5
                default:
                    throw .malformed
                }
            default:
                // A control character: JSON strings may not hold one raw.
                throw .malformed
            }
        }
    }

    /// Skips a number; true when it has neither fraction nor exponent.
    private mutating func skipNumber() throws(Failure) -> Bool {
        if peek == UInt8(ascii: "-") { index += 1 }
        guard let first = peek, Self.isDigit(first) else { throw .malformed }
        index += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        var integer = true
        if peek == UInt8(ascii: ".") {
            integer = false
            index += 1
            guard let digit = peek, Self.isDigit(digit) else { throw .malformed }
            skipDigits()
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            integer = false
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            guard let digit = peek, Self.isDigit(digit) else { throw .malformed }
            skipDigits()
        }
        return integer
    }

    private mutating func skipDigits() {
        while let byte = peek, Self.isDigit(byte) { index += 1 }
    }

    private static let noNames: MemberNames = []

    /// The value of an integer's text already known to be well-formed (`-`? digits), nil when a machine word
    /// cannot hold it.
    private static func integer(_ text: UnsafeRawBufferPointer) -> Int? {
        var digits = text[...]
        let negative = digits.first == UInt8(ascii: "-")
        if negative { digits = digits.dropFirst() }
        var value = 0
        for digit in digits {
            let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowB) =
                negative
                ? shifted.subtractingReportingOverflow(Int(digit &- UInt8(ascii: "0")))
                : shifted.addingReportingOverflow(Int(digit &- UInt8(ascii: "0")))
            if overflowA || overflowB { return nil }
            value = next
        }
        return value
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// The text of a string's contents (between its quotes) already known to be well-formed; lone surrogates
    /// become U+FFFD as JSONDecoder would refuse them but a name the gateway only compares must not crash it.
    static func decodeString(_ raw: UnsafeRawBufferPointer) -> String {
        var scalars = String.UnicodeScalarView()
        var utf8: [UInt8] = []
        func flush() {
            if !utf8.isEmpty {
                scalars.append(contentsOf: String(decoding: utf8, as: UTF8.self).unicodeScalars)
                utf8.removeAll(keepingCapacity: true)
            }
        }
        func unit(at position: Int) -> UInt32 {
            (0..<4).reduce(0) { $0 << 4 | (hexValue(raw[position + $1]) ?? 0) }
        }
        var position = 0
        while position < raw.count {
            let byte = raw[position]
            guard byte == UInt8(ascii: "\\") else {
                utf8.append(byte)
                position += 1
                continue
            }
            let escaped = raw[position + 1]
            position += 2
            switch escaped {
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"):
                flush()
                var code = unit(at: position)
                position += 4
                if (0xD800..<0xDC00).contains(code), position + 6 <= raw.count, raw[position] == UInt8(ascii: "\\"),
                    raw[position + 1] == UInt8(ascii: "u")
                {
                    let low = unit(at: position + 2)
                    if (0xDC00..<0xE000).contains(low) {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        position += 6
                    }
                }
                scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
            default: utf8.append(escaped)
            }
        }
        flush()
        return String(scalars)
    }
}
