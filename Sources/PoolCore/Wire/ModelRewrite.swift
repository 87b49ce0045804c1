/// Rewrites a request body's top-level `model` value (a provider's alias: the client's model name → the
/// upstream's) at the byte level: every other byte, whitespace, member order and nested `model` members included,
/// stays exactly as the client sent it.
public enum ModelRewrite {
    /// `body` with the value of its top-level `model` member (the last one, as JSONDecoder reads it) replaced by
    /// `model` as a JSON string; nil when the body is no JSON object or its `model` is no string.
    public static func replacingModel(in body: some Collection<UInt8>, with model: String) -> [UInt8]? {
        let rewrite = { (bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? in
            let raw = UnsafeRawBufferPointer(bytes)
            guard let range = try? JSONScanner.valueRange(ofMember: "model", in: raw),
                range.lowerBound < raw.count, raw[range.lowerBound] == UInt8(ascii: "\"")
            else { return nil }
            var quoted = ""
            JSONString.appendQuoted(model, to: &quoted)
            var result: [UInt8] = []
            result.reserveCapacity(bytes.count - range.count + quoted.utf8.count)
            result.append(contentsOf: bytes[..<range.lowerBound])
            result.append(contentsOf: quoted.utf8)
            result.append(contentsOf: bytes[range.upperBound...])
            return result
        }
        if let done = body.withContiguousStorageIfAvailable(rewrite) { return done }
        return Array(body).withUnsafeBufferPointer(rewrite)
    }
}

extension JSONScanner {
    /// The byte range of the value of the last top-level member named `name`, nil when the object has none.
    /// - Throws: when `bytes` are not one well-formed JSON object.
    public static func valueRange(
        ofMember name: String, in bytes: UnsafeRawBufferPointer
    ) throws(Failure)
        -> Range<Int>?
    {
        var scanner = JSONScanner(bytes)
        scanner.skipWhitespace()
        guard scanner.peek == UInt8(ascii: "{") else { throw .notAnObject }
        let wanted = Array(name.utf8)
        var found: Range<Int>?
        scanner.index += 1
        scanner.skipWhitespace()
        if scanner.peek == UInt8(ascii: "}") {
            scanner.index += 1
        } else {
            members: while true {
                scanner.skipWhitespace()
                let keyStart = scanner.index
                let plain = try scanner.skipString()
                let rawKey = UnsafeRawBufferPointer(rebasing: bytes[(keyStart + 1)..<(scanner.index - 1)])
                scanner.skipWhitespace()
                try scanner.expect(UInt8(ascii: ":"))
                scanner.skipWhitespace()
                let valueStart = scanner.index
                try scanner.skipValue(depth: 1)
                let matches =
                    plain ? rawKey.elementsEqual(wanted) : Self.decodeString(rawKey).utf8.elementsEqual(wanted)
                if matches { found = valueStart..<scanner.index }
                scanner.skipWhitespace()
                switch scanner.peek ?? 0 {
                case UInt8(ascii: ","): scanner.index += 1
                case UInt8(ascii: "}"):
                    scanner.index += 1
                    break members
                default: throw .malformed
                }
            }
        }
        scanner.skipWhitespace()
        guard scanner.atEnd else { throw .malformed }
        return found
    }
}
