import NIOCore

/// HTTP/1 heads written as bytes, in one capacity check and one pass: NIO's encoders spend ~180 instructions on
/// each name, value and separator (a capacity check and a copy call for each), and their `NIOAny` casts on top
/// (issue #13). The text is the caller's: names and values were checked where they came from (NIO's parser
/// refuses CR, LF and NUL in a client's or an upstream's field; the gateway's own are constants and key secrets
/// that `KeySecretRules` keeps free of control characters).
enum HTTPHeadText {
    /// Appends what `render` puts to `buffer`. `render` runs twice, first to measure and then to copy, so the two
    /// cannot disagree; it must put the same text both times.
    static func write(into buffer: inout ByteBuffer, _ render: (inout Sink) -> Void) {
        var measure = Sink(base: nil)
        render(&measure)
        let count = measure.offset
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { raw in
            var copy = Sink(base: raw.baseAddress!, limit: count)
            render(&copy)
            return copy.offset
        }
    }

    /// Counts the text (no base) or copies it.
    struct Sink {
        fileprivate let base: UnsafeMutableRawPointer?
        fileprivate var limit = Int.max
        fileprivate private(set) var offset = 0

        fileprivate init(base: UnsafeMutableRawPointer?, limit: Int = .max) {
            self.base = base
            self.limit = limit
        }

        mutating func put(_ text: String) {
            guard let base else {
                offset += text.utf8.count
                return
            }
            var text = text
            text.withUTF8 { bytes in
                guard let source = bytes.baseAddress else { return }
                precondition(offset + bytes.count <= limit, "an HTTP head's text changed between measure and copy")
                (base + offset).copyMemory(from: source, byteCount: bytes.count)
                offset += bytes.count
            }
        }

        mutating func put(_ text: StaticString) {
            let count = text.utf8CodeUnitCount
            if let base {
                precondition(offset + count <= limit, "an HTTP head's text changed between measure and copy")
                (base + offset).copyMemory(from: text.utf8Start, byteCount: count)
            }
            offset += count
        }

        /// `name: value` and its line end.
        mutating func field(_ name: String, _ value: String) {
            put(name)
            put(": ")
            put(value)
            put("\r\n")
        }

        mutating func field(_ name: StaticString, _ value: String) {
            put(name)
            put(": ")
            put(value)
            put("\r\n")
        }
    }
}
